package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/msikit/msikit/internal/safefile"
	"github.com/msikit/msikit/msi"
	flag "github.com/spf13/pflag"
)

var cmdExtract = &Command{
	UsageLine: "msikit extract FILE [-d DIR] [--file KEY...]",
	Short:     "extract files to their install layout",
	Long: `Extract writes the package's files below DIR (default: the current
folder) in their install layout: the Directory table resolved to target
names ("target:source" and "short|long" DefaultDir values, TARGETDIR as the
root, standard folders such as ProgramFilesFolder as "Program Files"; see
the README for the full table).

Files come from cabinets embedded in the package, cabinets beside it
(Media rows without "#"), and uncompressed copies beside it (administrative
images). Cabinet files that no File row names (as in patches) are written
to DIR/<cabinet>/<name>. With --file only the named File keys are
extracted. Each extracted path is printed on standard output.

Extract never writes outside DIR: a name that would leave it is refused
and reported. Empty cabinets, missing external cabinets and files that
cannot be found or decoded are reported on standard error, after the other
files are extracted, and make the exit status 1. Progress is shown on
standard error when it is a terminal.`,
	Example: `	msikit extract product.msi -d out
	msikit extract product.msi -d out --file MainExe --file ReadmeTxt`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		dir := fs.StringP("dir", "d", ".", "extract below `DIR`")
		keys := fs.StringArray("file", nil, "extract only the File table row `KEY` (repeatable)")
		return func(env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("want exactly one FILE")
			}
			return runExtract(env, args[0], *dir, *keys)
		}
	},
}

func runExtract(env *Env, name, dir string, keys []string) error {
	db, err := openMSI(env, name)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	total := 0
	if files, err := db.InstallFiles(); err == nil {
		total = len(files)
		if len(keys) > 0 {
			total = len(keys)
		}
	}
	written := map[string]string{} // lower-cased path → File key
	var refused []string
	n := 0
	rep, err := db.Extract(&msi.ExtractOptions{Keys: keys}, func(f *msi.InstallFile, r io.Reader) error {
		if env.Ctx != nil {
			if err := env.Ctx.Err(); err != nil {
				return err
			}
		}
		dst, err := safeJoin(root, f.Path)
		if err != nil {
			refused = append(refused, fmt.Sprintf("%s: %v", f.Key, err))
			return nil
		}
		low := strings.ToLower(f.Path)
		if prev, ok := written[low]; ok {
			refused = append(refused, fmt.Sprintf("%s: path %s already written for %s", f.Key, f.Path, prev))
			return nil
		}
		written[low] = f.Key
		if err := safefile.Write(dst, func(w io.Writer) error {
			_, err := io.Copy(w, r)
			return err
		}); err != nil {
			return err
		}
		n++
		fmt.Fprintln(env.Stdout, filepath.ToSlash(filepath.Join(dir, filepath.FromSlash(f.Path))))
		if env.StderrIsTerminal {
			fmt.Fprintf(env.Stderr, "\rextracting %d/%d files", n, max(total, n))
		}
		return nil
	})
	if env.StderrIsTerminal && n > 0 {
		fmt.Fprintln(env.Stderr)
	}
	if err != nil {
		return fileErr(name, err)
	}
	for _, c := range rep.EmptyCabinets {
		fmt.Fprintf(env.Stderr, "msikit: %s: cabinet %s is empty\n", name, c)
	}
	for _, c := range rep.MissingCabinets {
		fmt.Fprintf(env.Stderr, "msikit: %s: missing cabinet %s\n", name, c)
	}
	for _, f := range rep.Failed {
		fmt.Fprintf(env.Stderr, "msikit: %s: not extracted: %s\n", name, f)
	}
	for _, f := range refused {
		fmt.Fprintf(env.Stderr, "msikit: %s: refused: %s\n", name, f)
	}
	if rep.Problems() || len(refused) > 0 {
		return fileErr(name, fmt.Errorf("%d files extracted, %d not (%d missing cabinets, %d refused paths)",
			n, len(rep.Failed)+len(refused), len(rep.MissingCabinets), len(refused)))
	}
	return nil
}

// safeJoin returns root/rel for a slash-separated relative path that stays
// inside root, creating the parent folders; it refuses absolute paths,
// ".." elements and parents that resolve (through symbolic links) outside
// root.
func safeJoin(root, rel string) (string, error) {
	p := filepath.FromSlash(rel)
	if rel == "" || !filepath.IsLocal(p) {
		return "", fmt.Errorf("path %q would leave the output folder", rel)
	}
	dst := filepath.Join(root, p)
	parent := filepath.Dir(dst)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(parent)
	if err != nil {
		return "", err
	}
	if r, err := filepath.Rel(root, real); err != nil || !filepath.IsLocal(r) && r != "." {
		return "", fmt.Errorf("path %q would leave the output folder (through a symbolic link)", rel)
	}
	if fi, err := os.Lstat(dst); err == nil && !fi.Mode().IsRegular() {
		return "", errors.New("refusing to replace " + dst + ": not a regular file")
	}
	return dst, nil
}
