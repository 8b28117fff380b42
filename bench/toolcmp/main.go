//go:build linux

package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

type sample struct {
	wall, cpu time.Duration
	rssKB     int64
}

type result struct {
	samples []sample
	files   int
	failed  bool
}

func (r *result) median() sample {
	var w, c, m []int64
	for _, s := range r.samples {
		w = append(w, int64(s.wall))
		c = append(c, int64(s.cpu))
		m = append(m, s.rssKB)
	}
	med := func(v []int64) int64 { slices.Sort(v); return v[len(v)/2] }
	return sample{time.Duration(med(w)), time.Duration(med(c)), med(m)}
}

func main() {
	msikit := flag.String("msikit", "msikit", "msikit binary to measure")
	msiextract := flag.String("msiextract", "msiextract", "msiextract binary to compare with")
	runs := flag.Int("runs", 10, "runs of each tool per round")
	rounds := flag.Int("rounds", 3, "interleaved rounds")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		args = []string{"../shared/corpus"}
	}
	pkgs, err := packages(args)
	if err != nil {
		fatal(err)
	}
	base := "/dev/shm"
	if st, err := os.Stat(base); err != nil || !st.IsDir() {
		base = os.TempDir()
	}
	work, err := os.MkdirTemp(base, "toolcmp")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(work)
	out := filepath.Join(work, "x")

	fmt.Printf("| package | msiextract: wall ms, CPU ms, RSS MB, files | msikit: wall ms, CPU ms, RSS MB, files | wall msikit/msiextract |\n|---|---|---|---:|\n")
	// Three kinds of package: msiextract writes files (compared), exits 0
	// without writing any (both only read the package: compared apart), or
	// fails (not compared).
	type tally struct {
		n, atOrBelow int
		wallA, wallB time.Duration
		cpuA, cpuB   time.Duration
		slower       []string
	}
	var files, empty tally
	failed := 0
	for _, p := range pkgs {
		a, b := &result{}, &result{}
		for range *rounds {
			for range *runs {
				a.run(out, *msiextract, "-C", out, p)
				b.run(out, *msikit, "extract", p, "-d", out)
			}
		}
		ma, mb := a.median(), b.median()
		var t *tally
		note := ""
		switch {
		case a.failed:
			failed++
			note = " (msiextract fails)"
		case a.files == 0:
			t, note = &empty, " (msiextract writes nothing)"
		default:
			t = &files
		}
		if t != nil {
			t.n++
			t.wallA += ma.wall
			t.wallB += mb.wall
			t.cpuA += ma.cpu
			t.cpuB += mb.cpu
			if mb.wall <= ma.wall {
				t.atOrBelow++
			} else {
				t.slower = append(t.slower, filepath.Base(p))
			}
		}
		fmt.Printf("| %s | %s | %s | %.2f%s |\n", filepath.Base(p), a.cell(ma), b.cell(mb), float64(mb.wall)/float64(ma.wall), note)
	}
	fmt.Printf("\n%d packages: msiextract fails on %d, exits 0 without writing a file on %d, extracts files from %d.\n", len(pkgs), failed, empty.n, files.n)
	for _, k := range []struct {
		what string
		t    tally
	}{{"extracts files", files}, {"writes nothing", empty}} {
		if k.t.n == 0 {
			continue
		}
		fmt.Printf("Where msiextract %s: msikit's median wall time at or below msiextract's on %d of %d; sums of medians: wall %.1f ms (msiextract) vs %.1f ms (msikit), CPU %.1f vs %.1f ms.\n",
			k.what, k.t.atOrBelow, k.t.n, ms(k.t.wallA), ms(k.t.wallB), ms(k.t.cpuA), ms(k.t.cpuB))
		if len(k.t.slower) > 0 {
			fmt.Printf("  slower: %s\n", strings.Join(k.t.slower, ", "))
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "toolcmp:", err)
	os.Exit(1)
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

func (r *result) cell(m sample) string {
	f := ""
	if r.failed {
		f = " (exit ≠ 0)"
	}
	return fmt.Sprintf("%.1f, %.1f, %.0f, %d%s", ms(m.wall), ms(m.cpu), float64(m.rssKB)/1024, r.files, f)
}

// run runs one extraction into a new folder out and records its cost.
func (r *result) run(out string, name string, args ...string) {
	if err := os.RemoveAll(out); err != nil {
		fatal(err)
	}
	if err := os.Mkdir(out, 0o755); err != nil {
		fatal(err)
	}
	cmd := exec.Command(name, args...)
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		fatal(err) // the tool did not start
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	r.samples = append(r.samples, sample{wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), int64(ru.Maxrss)})
	if err != nil {
		r.failed = true
	}
	n := 0
	filepath.WalkDir(out, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return nil
	})
	r.files = n
}

// packages lists the .msi and .msm files named or under the folders named.
func packages(args []string) ([]string, error) {
	var pkgs []string
	for _, a := range args {
		err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch strings.ToLower(filepath.Ext(p)) {
			case ".msi", ".msm":
				if d.Type().IsRegular() {
					pkgs = append(pkgs, p)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return pkgs, nil
}
