package main

import flag "github.com/spf13/pflag"

var cmdExtract = &Command{
	UsageLine: "msikit extract FILE [-d DIR] [--file KEY...]",
	Short:     "extract files to their install layout",
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error { return errNotImplemented }
	},
}
