package main

import (
	"encoding/json"
	"errors"
	"io"
	"os"

	flag "github.com/spf13/pflag"

	"github.com/msikit/msikit/msi/msilog"
	"github.com/msikit/msikit/transform"
)

var cmdLog = &Command{
	Name:      "log",
	UsageLine: "msikit log <explain> ...",
	Short:     "explain Windows Installer logs",
	Long:      `The log commands read the logs msiexec writes (msiexec /l*v install.log).`,
	Example:   `msikit log explain install.log --package product.msi`,
	Sub:       []*Command{cmdLogExplain},
}

var cmdLogExplain = &Command{
	Name:      "explain",
	UsageLine: "msikit log explain LOG [--package PKG] [--json]",
	Short:     "explain a verbose install log: what failed, why, and what to do",
	Long: `Explain reads a verbose Windows Installer log (msiexec /l*v; UTF-16 or ANSI
as msiexec writes it, or "-" for standard input) and explains it: the
outcome and the first action that failed, the errors before it with their
meaning (1603, 1601, 1935 with the assembly identity it tried, 1311 and
1706 for missing sources...), the descriptors of
MsiProvideComponentFromDescriptor lines decoded, the event log's
"Detection of product ..." pairs read as "this component's key path is
missing, and that entry point triggered the check", known root causes with
their remedy and source (the README lists them), and which package ran (the
original or the cached copy) and whether its signature was verified.

With --package the codes the log names are tied to that package's rows:
component codes to Component rows, features and key paths, the last file
InstallFiles logged to its cabinet, custom actions to their CustomAction
rows. Lines it does not recognise are skipped, whatever they hold; lines
longer than 64 KiB are cut, and memory stays flat for logs of any size.
The exit status is 0 when the log could be read (whatever the install's
outcome); --json prints the explanation as JSON (README has the schema).
Wine's msiexec writes the same line forms, except that it marks a failed
action with return value 0 instead of 3.`,
	Example: `msikit log explain install.log
msikit log explain install.log --package product.msi --json | jq .causes`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		pkg := fs.String("package", "", "tie the log's codes to the rows of the package `PKG`")
		asJSON := fs.Bool("json", false, "print the explanation as JSON")
		return func(env *Env, args []string) error { return runLogExplain(env, *pkg, *asJSON, args) }
	},
}

func runLogExplain(env *Env, pkgPath string, asJSON bool, args []string) error {
	if len(args) != 1 {
		return usagef("want exactly one LOG")
	}
	var opts msilog.Options
	if pkgPath != "" {
		db, err := openMSI(env, pkgPath)
		if err != nil {
			return err
		}
		defer db.Close()
		index, err := transform.NewPackageIndex(db)
		if err != nil {
			return fileErr(pkgPath, err)
		}
		opts.Package = index
	}
	var r io.Reader = env.Stdin
	if args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return fileErr(args[0], err)
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			return fileErr(args[0], errors.New("is a directory"))
		}
		r = f
	}
	x, err := msilog.Explain(r, &opts)
	if err != nil {
		return fileErr(args[0], err)
	}
	if asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(x)
	}
	return x.WriteText(textWriter{env.Stdout})
}
