// Entry of the apply-time gate. Run as `node -e "require('cdktf-jfrog-usage/lib/src/handler/bin')" -- ARGS`
// (arguments start at argv[1]) or as `node bin.js ARGS` (they start at argv[2]).
import { runGate } from "./gate";

const args = process.argv.slice(require.main === module ? 2 : 1);
runGate(args).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = 5;
  },
);
