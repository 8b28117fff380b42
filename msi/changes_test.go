package msi

import "testing"

// Table.Changes rises with each change to the rows or columns, including
// ones that leave the number of rows as it was, and not with a read or a
// DeleteFunc that deleted nothing.
func TestTableChanges(t *testing.T) {
	db, err := Open(coreSample)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tab, err := db.CreateTable("ChangeTest", []Column{
		{Name: "Key", Type: ColString, Size: 72, Key: true},
		{Name: "N", Type: ColInt32, Nullable: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	last := tab.Changes()
	step := func(what string, changed bool, f func() error) {
		t.Helper()
		if err := f(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if now := tab.Changes(); (now != last) != changed {
			t.Errorf("%s: Changes %d -> %d, want changed=%v", what, last, now, changed)
		} else {
			last = now
		}
	}
	step("Insert", true, func() error { return tab.Insert(StrValue("a"), IntValue(1)) })
	step("Insert", true, func() error { return tab.Insert(StrValue("b"), IntValue(2)) })
	step("read", false, func() error { _ = tab.Row(0).At(1); _ = tab.Len(); return nil })
	step("Update", true, func() error {
		return tab.Update([]Value{StrValue("a")}, func(v []Value) error { v[1] = IntValue(3); return nil })
	})
	step("DeleteFunc of nothing", false, func() error { tab.DeleteFunc(func(Row) bool { return false }); return nil })
	step("DeleteFunc and Insert", true, func() error {
		tab.DeleteFunc(func(r Row) bool { return r.At(0).Str() == "b" })
		return tab.Insert(StrValue("c"), IntValue(2))
	})
	step("AddColumn", true, func() error { return tab.AddColumn(Column{Name: "S", Type: ColString, Size: 20, Nullable: true}) })
}
