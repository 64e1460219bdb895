/**
 * The model the API tests run on: the bundled `distilbert-sentiment`. Until its ONNX graph is
 * committed, the tests pair its tokenizer with the real Optimum export in /work/shared/fixtures (a
 * temporary directory, never committed) and say so on the console.
 *
 * @module
 */
import { copyFile, mkdir, stat } from "node:fs/promises";

/** The repository root. */
export const ROOT = new URL("../../", import.meta.url);

/** The model id the tests serve. */
export const TEST_MODEL = "distilbert-sentiment";

const FIXTURE = "/work/shared/fixtures/optimum-tiny-distilbert/";

async function exists(url: URL | string): Promise<boolean> {
  try {
    await stat(url);
    return true;
  } catch {
    return false;
  }
}

/**
 * A directory holding `<TEST_MODEL>/` in the Hugging Face layout.
 *
 * @returns A `file:` URL ending in `/`.
 */
export async function testModelsDir(): Promise<URL> {
  const bundled = new URL("models/", ROOT);
  if (await exists(new URL(`${TEST_MODEL}/onnx/model.onnx`, bundled))) return bundled;
  console.warn(`notice: models/${TEST_MODEL} has no ONNX graph yet; testing with ${FIXTURE}`);
  const dir = new URL(`file:///tmp/glassbox-api-test-models/`);
  const model = new URL(`${TEST_MODEL}/`, dir);
  await mkdir(new URL("onnx/", model), { recursive: true });
  await copyFile(`${FIXTURE}config.json`, new URL("config.json", model));
  await copyFile(`${FIXTURE}onnx/model.onnx`, new URL("onnx/model.onnx", model));
  for (const file of ["tokenizer.json", "tokenizer_config.json"]) {
    await copyFile(new URL(`models/${TEST_MODEL}/${file}`, ROOT), new URL(file, model));
  }
  return dir;
}
