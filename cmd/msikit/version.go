package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	flag "github.com/spf13/pflag"
)

var cmdVersion = &Command{
	UsageLine: "msikit version",
	Short:     "print msikit's version",
	Long: `Version prints the module version msikit was built from (or "(devel)"
for a build from a work tree), the Go version and the platform.`,
	Example: "msikit version",
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error {
			if len(args) != 0 {
				return usagef("version takes no arguments")
			}
			v := "(devel)"
			if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
				v = bi.Main.Version
			}
			fmt.Fprintf(env.Stdout, "msikit %s %s %s/%s\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		}
	},
}

// runHelp implements "msikit help [COMMAND [SUBCOMMAND]]". It is not in
// the command table, because it reads that table.
func runHelp(env *Env, args []string) int {
	if len(args) == 0 {
		printMainUsage(env.Stdout)
		return exitOK
	}
	list := commands()
	var cmd *Command
	for _, a := range args {
		cmd = findCommand(list, a)
		if cmd == nil {
			fmt.Fprintf(env.Stderr, "msikit help: unknown command %q\nRun 'msikit help' for usage.\n", a)
			return exitUsage
		}
		list = cmd.Sub
	}
	printUsage(env.Stdout, cmd)
	return exitOK
}
