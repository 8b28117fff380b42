package main

import flag "github.com/spf13/pflag"

var cmdStreams = &Command{
	UsageLine: "msikit streams FILE",
	Short:     "list a package's streams with decoded names and sizes",
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error { return errNotImplemented }
	},
}
