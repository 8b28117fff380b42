package main

import flag "github.com/spf13/pflag"

var cmdTables = &Command{
	UsageLine: "msikit tables FILE",
	Short:     "list a database's tables",
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error { return errNotImplemented }
	},
}
