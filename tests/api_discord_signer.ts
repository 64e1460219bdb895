/**
 * Signs Discord interactions as Discord does (Ed25519 over `X-Signature-Timestamp` + body), with a
 * key pair generated for the test; the server under test gets the public key as the application's.
 *
 * @module
 */

/** Lower-case hex of some bytes. */
export function hex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A generated application key pair. */
export class Signer {
  private constructor(readonly keys: CryptoKeyPair, readonly publicKey: string) {}

  /** Generates a key pair. */
  static async create(): Promise<Signer> {
    const keys = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
      "sign",
      "verify",
    ]) as CryptoKeyPair;
    return new Signer(keys, hex(await crypto.subtle.exportKey("raw", keys.publicKey)));
  }

  /** The hex signature of `timestamp + body`. */
  async sign(body: string, timestamp: string): Promise<string> {
    const message = new TextEncoder().encode(timestamp + body);
    return hex(await crypto.subtle.sign({ name: "Ed25519" }, this.keys.privateKey, message));
  }

  /** The two signature headers for `body`, signed now. */
  async headers(body: string): Promise<Record<string, string>> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    return {
      "x-signature-ed25519": await this.sign(body, timestamp),
      "x-signature-timestamp": timestamp,
    };
  }
}
