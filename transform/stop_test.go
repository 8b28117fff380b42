package transform

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/idt"
)

// exportTables returns every table of db as IDT text, by name.
func exportTables(t *testing.T, db *msi.Database) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range db.TableNames() {
		var b bytes.Buffer
		if err := idt.Export(&b, db, name, nil); err != nil {
			t.Fatalf("exporting %s: %v", name, err)
		}
		out[name] = b.String()
	}
	return out
}

// TestStoppedByTheContext: ClassToRegistry, SplitAdvertised and Audit
// given a done Context return no report and an error matching the
// context's Err and cause, and leave the database as it was: on the
// sample, which each pass changes when it runs, and on the sample with
// a 5,000-long ProgId chain, where the passes' loops see the context.
// (Before, the passes and Audit took no context and ran to their end.)
func TestStoppedByTheContext(t *testing.T) {
	cause := errors.New("the caller's reason")
	cancelled, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()
	runs := []struct {
		name string
		run  func(ctx context.Context, db *msi.Database) (any, error)
	}{
		{"class-to-registry", func(ctx context.Context, db *msi.Database) (any, error) {
			return ClassToRegistry(db, ClassToRegistryOptions{Context: ctx})
		}},
		{"leaf-features", func(ctx context.Context, db *msi.Database) (any, error) {
			return SplitAdvertised(db, SplitAdvertisedOptions{Context: ctx})
		}},
		{"audit", func(ctx context.Context, db *msi.Database) (any, error) {
			return Audit(db, AuditOptions{Context: ctx})
		}},
		{"audit --no-rewrite", func(ctx context.Context, db *msi.Database) (any, error) {
			return Audit(db, AuditOptions{Context: ctx, NoRewrite: true})
		}},
	}
	packages := []struct {
		name string
		open func(t *testing.T) *msi.Database
	}{
		{"sample", openSampleDB},
		{"ProgId chain", func(t *testing.T) *msi.Database { return progIDChain(t, 5000) }},
	}
	for _, pkg := range packages {
		for _, r := range runs {
			t.Run(pkg.name+"/"+r.name, func(t *testing.T) {
				db := pkg.open(t)
				before := exportTables(t, db)
				for _, c := range []struct {
					ctx  context.Context
					want []error
				}{
					{cancelled, []error{context.Canceled, cause}},
					{expired, []error{context.DeadlineExceeded}},
				} {
					rep, err := r.run(c.ctx, db)
					for _, w := range c.want {
						if !errors.Is(err, w) {
							t.Errorf("%v: error %v, want one matching %v", c.ctx, err, w)
						}
					}
					if rep != nil && rep != (*Report)(nil) && rep != (*AuditReport)(nil) {
						t.Errorf("%v: a report, want none", c.ctx)
					}
					if diff := cmp.Diff(before, exportTables(t, db)); diff != "" {
						t.Errorf("%v: the tables changed (-before +after):\n%s", c.ctx, diff)
					}
					if db.ContentModified() {
						t.Errorf("%v: the database is modified", c.ctx)
					}
				}
				// Not stopped, the passes change the package: the
				// stopped runs above had something to leave undone.
				if _, err := r.run(context.Background(), db); err != nil {
					t.Fatal(err)
				}
				if r.name == "class-to-registry" || r.name == "leaf-features" {
					if !db.ContentModified() {
						t.Errorf("%s did not change %s: nothing for a stop to leave undone", r.name, pkg.name)
					}
				}
			})
		}
	}
}
