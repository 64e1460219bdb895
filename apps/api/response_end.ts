/**
 * Noticing when a response has been sent: its body read to the end, failed, or cancelled because
 * the client went away. Download slots are held until then, and a shutting-down server waits for it.
 *
 * @module
 */

/**
 * The same response, calling `done` once when its body has been sent or abandoned (at once when
 * it has no body).
 */
export function whenSent(response: Response, done: () => void): Response {
  let called = false;
  const once = () => {
    if (!called) (called = true), done();
  };
  const body = response.body;
  if (!body) {
    once();
    return response;
  }
  const reader = body.getReader();
  return new Response(
    new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done: end, value } = await reader.read();
          if (end) {
            once();
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          once();
          throw error;
        }
      },
      cancel(reason) {
        once();
        return reader.cancel(reason);
      },
    }),
    { status: response.status, statusText: response.statusText, headers: response.headers },
  );
}

/**
 * Counts responses until they are sent, so that a graceful shutdown can wait for streams too; once
 * draining, new requests get the `refuse` answer instead of a handler.
 */
export class InFlight {
  #count = 0;
  #waiting: (() => void)[] = [];
  #draining = false;

  /** @param refuse The answer to requests that arrive while draining. */
  constructor(readonly refuse: () => Response) {}

  /** Responses not yet sent. */
  get count(): number {
    return this.#count;
  }

  /** Wraps a fetch handler so that its responses are counted until sent. */
  track<A extends unknown[]>(
    handler: (request: Request, ...rest: A) => Response | Promise<Response>,
  ): (request: Request, ...rest: A) => Promise<Response> {
    return async (request, ...rest) => {
      if (this.#draining) return this.refuse();
      this.#count++;
      try {
        return whenSent(await handler(request, ...rest), () => this.#end());
      } catch (error) {
        this.#end();
        throw error;
      }
    };
  }

  /** Refuses new requests from now on; resolves when no response is in flight. */
  drain(): Promise<void> {
    this.#draining = true;
    return this.#count === 0
      ? Promise.resolve()
      : new Promise((resolve) => this.#waiting.push(resolve));
  }

  #end() {
    if (--this.#count === 0) { for (const resolve of this.#waiting.splice(0)) resolve(); }
  }
}
