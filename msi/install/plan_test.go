package install_test

import (
	"context"
	"crypto/sha256"
	"io"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/msi/install"
)

// TestPlan checks that a Plan lists the files Files lists and delivers
// what ExtractContext delivers, each time it is asked.
func TestPlan(t *testing.T) {
	db := openSample(t)
	for _, opts := range []*install.Options{nil, {Layout: install.LayoutX86, Keys: []string{"app.exe", "data1.txt", "nosuch"}}} {
		files, err := install.Files(db, opts)
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Collect(files)
		wantGot, wantRep := extracted(t, func(fn func(*install.File, io.Reader) error) (*install.Report, error) {
			return install.ExtractContext(context.Background(), db, opts, fn)
		})
		p, err := install.NewPlan(db, opts)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if diff := cmp.Diff(want, slices.Collect(p.Files())); diff != "" {
				t.Errorf("Plan.Files (-Files +Plan.Files):\n%s", diff)
			}
			got, rep := extracted(t, func(fn func(*install.File, io.Reader) error) (*install.Report, error) {
				return p.ExtractContext(context.Background(), fn)
			})
			if diff := cmp.Diff(wantGot, got); diff != "" {
				t.Errorf("Plan.ExtractContext delivered (-ExtractContext +Plan):\n%s", diff)
			}
			if diff := cmp.Diff(wantRep, rep); diff != "" {
				t.Errorf("Plan.ExtractContext report (-ExtractContext +Plan):\n%s", diff)
			}
		}
	}
}

// TestPlanAtOnce uses one Plan from several goroutines at once (the race
// detector checks that nothing is shared but what the Plan resolved).
func TestPlanAtOnce(t *testing.T) {
	db := openSample(t)
	p, err := install.NewPlan(db, &install.Options{Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for range p.Files() {
				n++
			}
			var mu sync.Mutex
			rep, err := p.ExtractContext(context.Background(), func(f *install.File, r io.Reader) error {
				_, err := io.Copy(io.Discard, r)
				mu.Lock()
				defer mu.Unlock()
				return err
			})
			if err != nil || rep.Extracted != n || rep.Problems() {
				t.Errorf("err %v, %d of %d files extracted, report %+v", err, rep.Extracted, n, rep)
			}
		}()
	}
	wg.Wait()
}

// delivery is a file Extract delivered, with its contents' hash.
type delivery struct {
	File   install.File
	SHA256 [32]byte
}

// extracted runs an extraction and returns what it delivered and the
// report's failures, as text.
func extracted(t *testing.T, run func(func(*install.File, io.Reader) error) (*install.Report, error)) ([]delivery, []string) {
	t.Helper()
	var got []delivery
	rep, err := run(func(f *install.File, r io.Reader) error {
		h := sha256.New()
		if _, err := io.Copy(h, r); err != nil {
			return err
		}
		d := delivery{File: *f}
		h.Sum(d.SHA256[:0])
		got = append(got, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	failed := []string{}
	for _, fe := range rep.Failed {
		failed = append(failed, fe.Error())
	}
	return got, failed
}

// TestPlanMissingKeys: the keys asked for that no File row has, sorted,
// once each, as ExtractContext reports them.
func TestPlanMissingKeys(t *testing.T) {
	db := openSample(t)
	for _, tc := range []struct {
		keys, want []string
	}{
		{nil, nil},
		{[]string{"app.exe", "data1.txt"}, nil},
		{[]string{"zz", "app.exe", "nosuch", "zz", "APP.EXE"}, []string{"APP.EXE", "nosuch", "zz"}},
	} {
		p, err := install.NewPlan(db, &install.Options{Keys: tc.keys})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, p.MissingKeys()); diff != "" {
			t.Errorf("MissingKeys of %q (-want +got):\n%s", tc.keys, diff)
		}
		rep, err := p.ExtractContext(context.Background(), func(*install.File, io.Reader) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		var failed []string
		for _, f := range rep.Failed {
			if !slices.Contains(failed, f.Key) {
				failed = append(failed, f.Key)
			}
		}
		if diff := cmp.Diff(tc.want, failed); diff != "" {
			t.Errorf("ExtractContext with %q: failed keys (-MissingKeys +report):\n%s", tc.keys, diff)
		}
	}
}
