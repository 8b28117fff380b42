package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	flag "github.com/spf13/pflag"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// A Command is one msikit subcommand, in the manner of cmd/go's base.Command.
type Command struct {
	// Name is the word that selects the command: "info", or "ls" for
	// "msikit cfb ls".
	Name string
	// UsageLine is the one-line usage: "msikit info FILE [--json]".
	UsageLine string
	// Short is the one-line description shown by "msikit help".
	Short string
	// Long is the full description, shown by "msikit help CMD".
	Long string
	// Example is shown at the end of the help text.
	Example string
	// Setup binds the command's flags to fresh local variables in fs and
	// returns the function that runs the command with the positional
	// arguments left after parsing. The runner returns an error to be
	// printed as "msikit: <err>"; a *usageError exits with status 2.
	// Setup is called once per invocation, so commands share no state.
	Setup func(fs *flag.FlagSet) func(env *Env, args []string) error
	// Sub lists subcommands (for "msikit cfb ls").
	Sub []*Command
}

// Env is what a running command may touch: its context and standard streams.
type Env struct {
	Ctx    context.Context
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// StderrIsTerminal reports whether progress output is wanted.
	StderrIsTerminal bool
}

// usageError is a command-line mistake; it exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// commands is the table of top-level commands, in the order "msikit help"
// lists them.
func commands() []*Command {
	return []*Command{
		cmdInfo, cmdTables, cmdExport, cmdImport, cmdStreams, cmdCat,
		cmdExtract, cmdSBOM, cmdRepack, cmdRewrite, cmdDiff, cmdApply, cmdValidate, cmdAudit, cmdDescriptor, cmdLog, cmdVerify, cmdSign, cmdCFB, cmdVersion,
	}
}

func findCommand(list []*Command, name string) *Command {
	for _, c := range list {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// run is the whole program, testable: it never calls os.Exit.
//
// Standard output that is a file or a pipe (not a terminal) is written
// in 64 KiB pieces, as C's stdio does, instead of one write call per
// line: listing 100,000 streams made 100,000 calls. It is flushed before
// run returns and before an error line goes to standard error; a failed
// flush (a closed pipe, a full disk) fails the command.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if f, ok := stdout.(*os.File); ok && !isTerminal(f) {
		bw := bufio.NewWriterSize(f, 64<<10)
		if !isTerminal(stderr) {
			// Both may go to one file (> log 2>&1): what standard
			// output holds comes before each diagnostic.
			stderr = stdoutFirst{stderr, bw}
		}
		code := run(ctx, args, stdin, flushingWriter{bw}, stderr)
		if err := bw.Flush(); err != nil && code == exitOK {
			fmt.Fprintf(stderr, "msikit: standard output: %v\n", errors.Unwrap(err))
			return exitFailure
		}
		return code
	}
	env := &Env{Ctx: ctx, Stdin: stdin, Stdout: stdout, Stderr: stderr, StderrIsTerminal: isTerminal(stderr)}
	if len(args) == 0 {
		printMainUsage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help":
		printMainUsage(stdout)
		return exitOK
	case "--version":
		args = []string{"version"}
	case "help":
		return runCommand(env, helpCommand(), args[1:])
	}
	cmd := findCommand(commands(), args[0])
	if cmd == nil {
		fmt.Fprintf(stderr, "msikit: unknown command %q%s (run 'msikit help' for the list)\n", args[0], commandSuggestion(args[0], commands()))
		return exitUsage
	}
	return runCommand(env, cmd, args[1:])
}

func runCommand(env *Env, cmd *Command, args []string) int {
	if len(cmd.Sub) > 0 {
		if len(args) == 0 {
			printUsage(env.Stderr, cmd)
			return exitUsage
		}
		if args[0] == "-h" || args[0] == "--help" {
			printUsage(env.Stdout, cmd)
			return exitOK
		}
		sub := findCommand(cmd.Sub, args[0])
		if sub == nil {
			fmt.Fprintf(env.Stderr, "msikit %s: unknown command %q%s (run 'msikit help %s' for the list)\n", cmd.Name, args[0], commandSuggestion(args[0], cmd.Sub), cmd.Name)
			return exitUsage
		}
		return runCommand(env, sub, args[1:])
	}
	fs := flag.NewFlagSet(cmd.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	runner := cmd.Setup(fs)
	help := fs.BoolP("help", "h", false, "show this help")
	if err := fs.Parse(args); err != nil {
		printUsageError(env.Stderr, cmd, err.Error()+flagSuggestion(fs, err))
		return exitUsage
	}
	if *help {
		printUsage(env.Stdout, cmd)
		return exitOK
	}
	err := runner(env, fs.Args())
	if err == nil {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		printUsageError(env.Stderr, cmd, ue.msg)
		return exitUsage
	}
	if f, ok := env.Stdout.(flushingWriter); ok {
		f.Flush() // what was printed comes before the error
	}
	fmt.Fprintf(env.Stderr, "msikit: %s\n", errorLine(err))
	return exitFailure
}

// stopped returns nil while the command may go on, and once its context
// is cancelled the reason: a *signalError after an interrupt or SIGTERM
// (see signalContext).
func (env *Env) stopped() error {
	if env.Ctx == nil || env.Ctx.Err() == nil {
		return nil
	}
	return context.Cause(env.Ctx)
}

// context returns the command's context: what library calls that can be
// stopped (install.ExtractContext, sbom.ReadContext, ...) are given, so
// that a signal stops them too. Background when the Env has none.
func (env *Env) context() context.Context {
	if env.Ctx == nil {
		return context.Background()
	}
	return env.Ctx
}

// signalCause returns the *signalError err wraps, if any, else err: a
// command stopped by a signal says so in the same words wherever it
// stopped (a library's error says where, which a user who pressed Ctrl-C
// does not need).
func signalCause(err error) error {
	var se *signalError
	if errors.As(err, &se) {
		return se
	}
	return err
}

// flushingWriter is standard output buffered by run.
type flushingWriter struct{ *bufio.Writer }

// stdoutFirst is standard error, when it is not a terminal, while
// standard output is buffered: each write flushes standard output first,
// so that lines keep their order when both go to one file.
type stdoutFirst struct {
	io.Writer
	stdout *bufio.Writer
}

func (w stdoutFirst) Write(p []byte) (int, error) {
	w.stdout.Flush() // a failed flush is reported at the end
	return w.Writer.Write(p)
}

// printUsageError prints a usage mistake as one line that names the
// command and where its help is.
func printUsageError(w io.Writer, cmd *Command, msg string) {
	hint := "msikit help " + fullName(cmd)
	if fullName(cmd) == "help" {
		hint = "msikit help" // the list of commands
	}
	fmt.Fprintf(w, "msikit %s: %s (see '%s')\n", fullName(cmd), oneLine(msg), hint)
}

// fullName is the command path after "msikit": "info" or "cfb ls".
func fullName(cmd *Command) string {
	f := strings.Fields(cmd.UsageLine)
	if len(f) < 2 {
		return ""
	}
	if n := cmd.Name; n != f[1] {
		return f[1] + " " + n
	}
	return f[1]
}

// errorLine is err's message as a command prints it after "msikit: ": on
// one line, without the prefixes of msikit's own msi and transform
// packages, since the line already names the file (and, for rewrite, the
// pass) they would repeat. The prefixes of the container and cabinet
// layers ("cfb: ", "cab: ") stay: they say which layer of the file is
// damaged.
func errorLine(err error) string {
	return oneLine(trimLibPrefixes(err.Error()))
}

// libPrefixes are the package prefixes errorLine removes.
var libPrefixes = []string{"msi: ", "idt: ", "install: ", "transform: ", "validate: ", "mst: "}

// trimLibPrefixes removes libPrefixes wherever they begin a segment of a
// wrapped message: at its start or after ": ".
func trimLibPrefixes(msg string) string {
	// Most messages have a prefix at their start alone: cut there
	// without copying the rest (tables -l and info write the error of
	// each of 360,000 tables).
	inner := false
	for _, p := range libPrefixes {
		if strings.Contains(msg, ": "+p) {
			inner = true
			break
		}
	}
	if !inner {
		for cut := true; cut; {
			cut = false
			for _, p := range libPrefixes {
				if rest, ok := strings.CutPrefix(msg, p); ok {
					msg, cut = rest, true
				}
			}
		}
		return msg
	}
	var b strings.Builder
	for {
		for cut := true; cut; {
			cut = false
			for _, p := range libPrefixes {
				if rest, ok := strings.CutPrefix(msg, p); ok {
					msg, cut = rest, true
				}
			}
		}
		i := strings.Index(msg, ": ")
		if i < 0 {
			b.WriteString(msg)
			return b.String()
		}
		b.WriteString(msg[:i+2])
		msg = msg[i+2:]
	}
}

// oneLine keeps error messages to a single line, with whatever they quote
// from a package made harmless for a terminal (escapeText).
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "\r\n") {
		s = lineBreaks.Replace(s)
	}
	return escapeText(s)
}

// lineBreaks is oneLine's replacer, built once: building one (its lookup
// tables) for each message was a fifth of tables -l's time on a package
// of 360,000 tables, each with an error.
var lineBreaks = strings.NewReplacer("\r\n", "; ", "\n", "; ", "\r", "; ")

func printMainUsage(w io.Writer) {
	fmt.Fprint(w, `msikit reads Windows Installer packages (.msi, .msm, .msp, .mst) and rewrites
their tables, on any operating system.

Usage:

	msikit <command> [arguments]

Commands:

`)
	for _, c := range commands() {
		fmt.Fprintf(w, "\t%-10s %s\n", c.Name, c.Short)
	}
	fmt.Fprintf(w, "\t%-10s %s\n", "help", helpCommand().Short)
	fmt.Fprint(w, "\nRun 'msikit help <command>' for more about a command.\n")
}

func printUsage(w io.Writer, cmd *Command) {
	fmt.Fprintf(w, "usage: %s\n\n", cmd.UsageLine)
	if cmd.Long != "" {
		fmt.Fprintf(w, "%s\n", strings.TrimSpace(cmd.Long))
	} else {
		fmt.Fprintf(w, "%s.\n", cmd.Short)
	}
	if len(cmd.Sub) > 0 {
		fmt.Fprint(w, "\nCommands:\n\n")
		for _, s := range cmd.Sub {
			fmt.Fprintf(w, "\t%-10s %s\n", s.Name, s.Short)
		}
	}
	fs := flag.NewFlagSet(cmd.Name, flag.ContinueOnError)
	fs.SortFlags = false
	if len(cmd.Sub) == 0 {
		cmd.Setup(fs)
		fs.BoolP("help", "h", false, "show this help")
		fmt.Fprintf(w, "\nFlags:\n%s", fs.FlagUsages())
	}
	if cmd.Example != "" {
		fmt.Fprintf(w, "\nExample:\n\n%s\n", indent(strings.TrimSpace(cmd.Example)))
	}
}

// indent puts each line of s one tab in, whatever indentation it had, so
// that every command's examples line up alike.
func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = "\t" + strings.TrimLeft(l, " \t")
	}
	return strings.Join(lines, "\n")
}
