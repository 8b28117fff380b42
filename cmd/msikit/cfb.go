package main

import flag "github.com/spf13/pflag"

var cmdCFB = &Command{
	UsageLine: "msikit cfb <ls|cat|repack> ...",
	Short:     "inspect and repack the Compound File Binary container",
	Long: `The cfb commands work on the Compound File Binary container that every
.msi, .msm, .msp and .mst file is, without interpreting the database.`,
	Example: "msikit cfb ls testdata/sample.msi\nmsikit cfb repack in.msi -o out.msi",
	Sub:     []*Command{cmdCFBLs, cmdCFBCat, cmdCFBRepack},
}

var cmdCFBLs = &Command{
	UsageLine: "msikit cfb ls FILE",
	Short:     "list the storage tree with types, sizes, CLSIDs, state bits and times",
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error { return errNotImplemented }
	},
}

var cmdCFBCat = &Command{
	UsageLine: "msikit cfb cat FILE PATH",
	Short:     "write a stream's bytes to standard output",
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error { return errNotImplemented }
	},
}

var cmdCFBRepack = &Command{
	UsageLine: "msikit cfb repack IN -o OUT",
	Short:     "rewrite the container through msikit's writer, dropping slack",
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error { return errNotImplemented }
	},
}
