package mst_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/msikit/msikit/msi"
	"github.com/msikit/msikit/msi/mst"
)

// edit applies f to db, failing the test on error.
func edit(t *testing.T, db *msi.Database, f func(db *msi.Database) error) {
	t.Helper()
	if err := f(db); err != nil {
		t.Fatal(err)
	}
}

func setProp(name, value string) func(db *msi.Database) error {
	return func(db *msi.Database) error {
		p, err := db.Table("Property")
		if err != nil {
			return err
		}
		if _, ok := p.Lookup(msi.StrValue(name)); ok {
			return p.Update([]msi.Value{msi.StrValue(name)}, func(v []msi.Value) error { v[1] = msi.StrValue(value); return nil })
		}
		return p.Insert(msi.StrValue(name), msi.StrValue(value))
	}
}

func deleteProp(name string) func(db *msi.Database) error {
	return func(db *msi.Database) error {
		p, err := db.Table("Property")
		if err != nil {
			return err
		}
		p.DeleteFunc(func(r msi.Row) bool { return r.At(0).Str() == name })
		return nil
	}
}

// transformBytes generates the transform from old to new with the given
// PID 16 and reads it back.
func transformBytes(t *testing.T, old, new *msi.Database, o *mst.SummaryOptions) *mst.Transform {
	t.Helper()
	data, _ := encode(t, old, new, o)
	db, err := msi.NewDatabase(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := mst.New(db)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func propValue(t *testing.T, db *msi.Database, name string) (string, bool) {
	t.Helper()
	p, err := db.Table("Property")
	if err != nil {
		t.Fatal(err)
	}
	r, ok := p.Lookup(msi.StrValue(name))
	if !ok {
		return "", false
	}
	return r.At(1).Str(), true
}

// TestErrorConditions applies a transform to a database that differs
// from the one it was made from, so that one error condition is met:
// without suppression the apply fails with a *ConditionError naming the
// condition and changes nothing it reports; suppressed by the transform's
// PID 16 or by ApplyOptions it applies, with the documented outcome.
func TestErrorConditions(t *testing.T) {
	cases := []struct {
		name string
		cond mst.ErrorConditions
		// edit makes the target from the base; skew makes the database
		// the transform is applied to from the base.
		edit, skew func(db *msi.Database) error
		// check looks at the database after a suppressed apply.
		check func(t *testing.T, db *msi.Database)
	}{
		{"add-existing-row", mst.AddExistingRow, setProp("REBOOT", "ReallySuppress"), setProp("REBOOT", "Force"),
			func(t *testing.T, db *msi.Database) {
				// A suppressed full row replaces the row.
				if v, _ := propValue(t, db, "REBOOT"); v != "ReallySuppress" {
					t.Errorf("REBOOT = %q, want the transform's ReallySuppress", v)
				}
			}},
		{"delete-missing-row", mst.DeleteMissingRow, deleteProp("ARPPRODUCTICON"), deleteProp("ARPPRODUCTICON"),
			func(t *testing.T, db *msi.Database) {
				if _, ok := propValue(t, db, "ARPPRODUCTICON"); ok {
					t.Error("ARPPRODUCTICON is back")
				}
			}},
		{"update-missing-row", mst.UpdateMissingRow, setProp("ProductName", "renamed"), deleteProp("ProductName"),
			func(t *testing.T, db *msi.Database) {
				// A suppressed update of a missing row does nothing.
				if v, ok := propValue(t, db, "ProductName"); ok {
					t.Errorf("ProductName = %q, want no row", v)
				}
			}},
		{"add-existing-table", mst.AddExistingTable,
			func(db *msi.Database) error {
				_, err := db.CreateTable("Extra", []msi.Column{{Name: "Id", Type: msi.ColString, Size: 72, Key: true}})
				return err
			},
			func(db *msi.Database) error {
				_, err := db.CreateTable("Extra", []msi.Column{{Name: "Id", Type: msi.ColString, Size: 72, Key: true}})
				return err
			},
			func(t *testing.T, db *msi.Database) {
				if !db.HasTable("Extra") {
					t.Error("table Extra is gone")
				}
			}},
		{"delete-missing-table", mst.DeleteMissingTable,
			func(db *msi.Database) error { return db.DropTable("MIME") },
			func(db *msi.Database) error { return db.DropTable("MIME") },
			func(t *testing.T, db *msi.Database) {
				if db.HasTable("MIME") {
					t.Error("table MIME is back")
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base, target := openSample(), openSample()
			edit(t, target, tc.edit)
			for _, how := range []string{"not suppressed", "suppressed by PID 16", "suppressed by ApplyOptions"} {
				t.Run(how, func(t *testing.T) {
					var so mst.SummaryOptions
					var ao *mst.ApplyOptions
					switch how {
					case "suppressed by PID 16":
						so.Suppress = tc.cond
					case "suppressed by ApplyOptions":
						so.Suppress = mst.AllErrorConditions &^ tc.cond // the transform's own flags are replaced
						ao = &mst.ApplyOptions{Suppress: tc.cond, SetSuppress: true}
					}
					tr := transformBytes(t, base, target, &so)
					db := openSample()
					edit(t, db, tc.skew)
					_, err := mst.Apply(db, tr, ao)
					if how == "not suppressed" {
						var ce *mst.ConditionError
						if !errors.As(err, &ce) || ce.Condition != tc.cond {
							t.Fatalf("got %v, want a *ConditionError for %v", err, tc.cond)
						}
						return
					}
					if err != nil {
						t.Fatal(err)
					}
					tc.check(t, db)
				})
			}
		})
	}
}

// TestValidation applies transforms whose PID 16 asks for checks to
// databases that pass or fail them: a failing check is a
// *ValidationError naming it, unless ApplyOptions.Skip skips it.
func TestValidation(t *testing.T) {
	cases := []struct {
		name  string
		v     mst.Validation
		check mst.Check
		skew  func(db *msi.Database) error // makes the database fail the check
	}{
		{"product", mst.ValidateProduct, mst.CheckProduct, setProp("ProductCode", "{11111111-2222-3333-4444-555555555555}")},
		{"upgrade-code", mst.ValidateUpgradeCode, mst.CheckUpgradeCode, setProp("UpgradeCode", "{11111111-2222-3333-4444-555555555555}")},
		{"language", mst.ValidateLanguage, mst.CheckLanguage, setProp("ProductLanguage", "1031")},
		{"version-eq", mst.ValidateUpdateVersion | mst.Validation(0x0100), mst.CheckVersion, setProp("ProductVersion", "1.2.4")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base, target := openSample(), openSample()
			edit(t, target, setProp("REBOOT", "ReallySuppress"))
			tr := transformBytes(t, base, target, &mst.SummaryOptions{Validation: tc.v})

			if _, err := mst.Apply(openSample(), tr, nil); err != nil {
				t.Fatalf("the database the transform was made for: %v", err)
			}
			db := openSample()
			edit(t, db, tc.skew)
			_, err := mst.Apply(db, tr, nil)
			var ve *mst.ValidationError
			if !errors.As(err, &ve) || ve.Check != tc.check {
				t.Fatalf("got %v, want a *ValidationError for %v", err, tc.check)
			}
			if _, ok := propValue(t, db, "REBOOT"); ok {
				t.Error("a refused transform changed the database")
			}
			if _, err := mst.Apply(db, tr, &mst.ApplyOptions{Skip: tc.check}); err != nil {
				t.Fatalf("with the check skipped: %v", err)
			}
			if v, _ := propValue(t, db, "REBOOT"); v != "ReallySuppress" {
				t.Errorf("REBOOT = %q after the apply", v)
			}
		})
	}
}

// TestParseFlags checks the names and msitran letters of error
// conditions and checks.
func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want mst.ErrorConditions
	}{
		{"none", 0},
		{"all", mst.AllErrorConditions},
		{"ab", mst.AddExistingRow | mst.DeleteMissingRow},
		{"update-missing-row,change-codepage", mst.UpdateMissingRow | mst.ChangeCodepage},
		{"f", mst.ChangeCodepage},
	} {
		got, err := mst.ParseErrorConditions(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseErrorConditions(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"g", "add-missing-row", "x"} {
		if _, err := mst.ParseErrorConditions(bad); err == nil {
			t.Errorf("ParseErrorConditions(%q): no error", bad)
		}
	}
	if c, err := mst.ParseChecks("product,upgrade-code"); err != nil || c != mst.CheckProduct|mst.CheckUpgradeCode {
		t.Errorf("ParseChecks: %v, %v", c, err)
	}
	if _, err := mst.ParseChecks("r"); err == nil {
		t.Error("ParseChecks(\"r\"): checks have no letters")
	}
}
