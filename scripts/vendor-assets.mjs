// Copies the front-end assets the pages use from node_modules into static/vendor/.
// Run by `make assets` after `npm ci`; static/vendor/ is not committed.
import { cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const modules = join(root, "node_modules");
const vendor = join(root, "static", "vendor");

const files = [
  ["bootstrap/dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css"],
  ["bootstrap/dist/js/bootstrap.bundle.min.js", "bootstrap/bootstrap.bundle.min.js"],
  ["htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"],
  ["echarts/dist/echarts.min.js", "echarts/echarts.min.js"],
  ["swagger-ui-dist/swagger-ui.css", "swagger-ui/swagger-ui.css"],
  ["swagger-ui-dist/swagger-ui-bundle.js", "swagger-ui/swagger-ui-bundle.js"],
  ["swagger-ui-dist/swagger-ui-standalone-preset.js", "swagger-ui/swagger-ui-standalone-preset.js"],
];

rmSync(vendor, { recursive: true, force: true });
for (const [from, to] of files) {
  mkdirSync(join(vendor, to, ".."), { recursive: true });
  cpSync(join(modules, from), join(vendor, to));
  // The source maps the files name at their end: collectstatic's manifest refuses a reference it cannot find.
  try {
    cpSync(join(modules, `${from}.map`), join(vendor, `${to}.map`));
  } catch {
    // no map shipped: nothing refers to one
  }
}

// Be Vietnam Pro: a typeface drawn for Vietnamese diacritics. Only the weights
// the pages use, every subset their CSS refers to (whitenoise's manifest checks them).
const fontSource = join(modules, "@fontsource/be-vietnam-pro");
const fontTarget = join(vendor, "be-vietnam-pro");
mkdirSync(join(fontTarget, "files"), { recursive: true });
const weights = ["400", "600", "700"];
for (const weight of weights) {
  cpSync(join(fontSource, `${weight}.css`), join(fontTarget, `${weight}.css`));
}
for (const name of readdirSync(join(fontSource, "files"))) {
  if (weights.some((weight) => name.includes(`-${weight}-normal`))) {
    cpSync(join(fontSource, "files", name), join(fontTarget, "files", name));
  }
}
console.log(`assets copied to ${vendor}`);
