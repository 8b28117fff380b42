package install

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/internal/testenv"
	"github.com/msikit/msikit/msi"
)

// reportSummary is what a Report says, as comparable values.
type reportSummary struct {
	Extracted, Unlisted int
	Empty, Missing      []string
	Failed, Warnings    []string
}

func summarize(rep *Report) reportSummary {
	s := reportSummary{Extracted: rep.Extracted, Unlisted: rep.Unlisted, Empty: rep.EmptyCabinets, Warnings: rep.Warnings}
	for _, c := range rep.MissingCabinets {
		s.Missing = append(s.Missing, c.Error())
	}
	for _, f := range rep.Failed {
		s.Failed = append(s.Failed, f.Error())
	}
	return s
}

// extractJobs extracts db with opts, from as many goroutines as
// opts.Jobs allows, and returns path → SHA-256, the report and the most
// callbacks seen running at once.
func extractJobs(t *testing.T, db *msi.Database, opts *Options) (map[string]string, reportSummary, int32) {
	t.Helper()
	var mu sync.Mutex
	var running, most atomic.Int32
	got := map[string]string{}
	rep, err := Extract(db, opts, func(f *File, r io.Reader) error {
		n := running.Add(1)
		defer running.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		h := sha256.New()
		if _, err := io.Copy(h, r); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if _, dup := got[f.Path]; dup {
			t.Errorf("%s delivered twice", f.Path)
		}
		got[f.Path] = hex.EncodeToString(h.Sum(nil))
		return nil
	})
	if err != nil {
		t.Fatalf("Extract with %d jobs: %v", opts.Jobs, err)
	}
	return got, summarize(rep), most.Load()
}

// TestExtractJobs extracts every corpus package one folder at a time and
// with folders decoded at once: the same files, contents and report.
func TestExtractJobs(t *testing.T) {
	var concurrent atomic.Int32
	var pkgs atomic.Int32
	t.Cleanup(func() {
		t.Logf("%d packages; %d delivered files from several folders at once", pkgs.Load(), concurrent.Load())
		if pkgs.Load() > 0 && concurrent.Load() == 0 {
			t.Errorf("no package ran folders at once")
		}
	})
	for _, path := range testenv.CorpusFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			db, err := msi.Open(path)
			if err != nil {
				return // TestExtractCorpus covers what fails to open
			}
			defer db.Close()
			want, wantRep, _ := extractJobs(t, db, &Options{})
			got, gotRep, most := extractJobs(t, db, &Options{Jobs: 3})
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("files with 3 jobs (-1 job +3 jobs):\n%s", diff)
			}
			if diff := cmp.Diff(wantRep, gotRep); diff != "" {
				t.Errorf("report with 3 jobs (-1 job +3 jobs):\n%s", diff)
			}
			pkgs.Add(1)
			if most > 1 {
				concurrent.Add(1)
			}
		})
	}
}

// TestExtractJobsStop checks that a callback error or panic on one of
// several goroutines stops Extract and reaches its caller.
func TestExtractJobsStop(t *testing.T) {
	db := openSample(t)
	stop := errors.New("stop")
	var calls atomic.Int32
	_, err := Extract(db, &Options{Jobs: 4}, func(*File, io.Reader) error {
		calls.Add(1)
		return stop
	})
	if !errors.Is(err, stop) {
		t.Errorf("err = %v, want the callback's error", err)
	}
	if n := calls.Load(); n > 4 {
		t.Errorf("%d calls after the first error; want at most one per job", n)
	}
	defer func() {
		if v := recover(); v != "boom" {
			t.Errorf("recovered %v, want the callback's panic", v)
		}
	}()
	Extract(db, &Options{Jobs: 4}, func(*File, io.Reader) error { panic("boom") })
	t.Error("Extract returned after the callback panicked")
}
