/** Help and usage texts of the `gw` command. Kept apart from the logic so they read as documents. */

/** `gw --help`. */
export const GW_HELP = `Usage: gw <command> [options]

Tools for the FastCGI, SCGI and uwsgi gateway protocols.

Commands:
  inspect    decode the bytes of one gateway connection and print them as JSON
  help       show help for a command (gw help inspect)

Options:
  -h, --help       show this help
  -v, --version    print the version of gw

Examples:
  gw inspect --demo
  gw inspect --protocol fastcgi --direction to-app capture.bin
  gw help inspect
`;

/** `gw inspect --help`. */
export const INSPECT_HELP = `Usage: gw inspect --protocol <fastcgi|scgi|uwsgi> --direction <to-app|to-server> [--strict] <FILE|->
       gw inspect --demo

Decodes the bytes of ONE connection, in one direction, and prints one JSON object on stdout
(2-space indented; flat arrays and objects on one line). Names and values are shown as latin1
strings (one character per byte); byte streams as { "bytes", "sha256", "terminated" }.

Options:
  -p, --protocol <name>     fastcgi, scgi or uwsgi
  -d, --direction <dir>     to-app:    bytes the web server sent to the application
                            to-server: bytes the application sent back to the web server
      --strict              scgi to-app only: read the header block exactly as the SCGI spec says
                            (no leading zeros, SCGI=1 required, no repeated names)
      --demo                decode the nginx FastCGI capture bundled with gw
                            (same as --protocol fastcgi --direction to-app <capture>)
  -h, --help                show this help

FILE is read in 64 KiB chunks; "-" reads stdin.

Exit status:
  0  the input decoded cleanly
  1  the input is malformed: the JSON is still printed, with "error": { "code", "offset",
     "message" } and everything decoded before the error
  2  usage error (unknown flag, missing value, unreadable file)
  70 internal error (a bug in gw)

Examples:
  gw inspect --demo
  gw inspect --protocol fastcgi --direction to-app nginx-to-php.bin
  gw inspect -p scgi -d to-app --strict request.bin
  cat reply.bin | gw inspect -p uwsgi -d to-server -
  gw inspect -p fastcgi -d to-server reply.bin | jq '.requests[0].stdout'
`;
