package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	flag "github.com/spf13/pflag"
)

var cmdVersion = &Command{
	Name:      "version",
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
			fmt.Fprintf(env.Stdout, "msikit %s %s %s/%s\n", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		}
	},
}

// buildVersion is the module version msikit was built from, or "(devel)".
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// helpCommand is "msikit help [COMMAND [SUBCOMMAND]]". It is not in the
// command table, because it reads that table; it is built by a function
// rather than held in a variable for the same reason (the variable would
// refer to itself through "msikit help help").
func helpCommand() *Command {
	return &Command{
		Name:      "help",
		UsageLine: "msikit help [COMMAND [SUBCOMMAND]]",
		Short:     "show help for msikit or one command",
		Long: `Help prints the list of commands, or the help of one command: its usage
line, description, flags and examples, the same text as "msikit COMMAND
--help".`,
		Example: `msikit help rewrite
msikit help cfb repack`,
		Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
			return runHelp
		},
	}
}

// runHelp prints the help the arguments ask for.
func runHelp(env *Env, args []string) error {
	if len(args) == 0 {
		printMainUsage(env.Stdout)
		return nil
	}
	list := append(commands(), helpCommand())
	var cmd *Command
	for _, a := range args {
		cmd = findCommand(list, a)
		if cmd == nil {
			return usagef("unknown command %q%s", strings.Join(args, " "), commandSuggestion(a, list))
		}
		list = cmd.Sub
	}
	printUsage(env.Stdout, cmd)
	return nil
}
