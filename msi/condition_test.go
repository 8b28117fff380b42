package msi

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

func TestCheckCondition(t *testing.T) {
	for _, tt := range []struct {
		cond string
		ok   bool
	}{
		{"", true},
		{"Installed", true},
		{"NOT Installed", true},
		{"not Installed and not PATCH", true},
		{"VersionNT >= 600", true},
		{`VersionNT64 OR (VersionNT = 501 AND ServicePackLevel >= 2)`, true},
		{`(&Core = 3) AND NOT (!Core = 3)`, true},
		{`$Comp = 2 OR ?Comp = 3`, true},
		{`%PROCESSOR_ARCHITECTURE~="amd64"`, true},
		{`NETFRAMEWORK45 >= "#378389"`, true},
		{`PROP >< "sub" XOR PROP << "pre" EQV PROP >> "post" IMP 1`, true},
		{`UILevel <> -1`, true},
		{`WIX_UPGRADE_DETECTED`, true},
		{"NOT (NOT (A))", true},
		{"Installed AND", false},
		{"(Installed", false},
		{"Installed)", false},
		{`PROP = "unterminated`, false},
		{"A == B", false},
		{"A = = B", false},
		{"AND A", false},
		{"A B", false},
		{"-", false},
		{"A = NOT B", false},
	} {
		err := checkCondition(tt.cond)
		if (err == nil) != tt.ok {
			t.Errorf("checkCondition(%q) = %v, want ok=%v", tt.cond, err, tt.ok)
		}
	}
	deep := strings.Repeat("(", 100000) + "A" + strings.Repeat(")", 100000)
	if err := checkCondition(deep); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("100,000 nested parentheses: %v, want a nesting error", err)
	}
	if err := checkCondition(strings.Repeat("NOT ", 100000) + "A"); err == nil {
		t.Error("100,000 NOTs accepted")
	}
}

// TestConditionsInCorpusParse parses every condition in the sequence,
// Condition, LaunchCondition, Component, ControlCondition and ControlEvent
// tables of the corpus (3,255 when written): shipped packages must pass.
func TestConditionsInCorpusParse(t *testing.T) {
	cols := map[string]string{
		"InstallExecuteSequence": "Condition", "InstallUISequence": "Condition",
		"AdminExecuteSequence": "Condition", "AdminUISequence": "Condition",
		"AdvtExecuteSequence": "Condition", "Condition": "Condition",
		"LaunchCondition": "Condition", "Component": "Condition",
		"ControlCondition": "Condition", "ControlEvent": "Condition",
	}
	n := 0
	for _, path := range testenv.CorpusFiles(t) {
		db, err := Open(path)
		if err != nil {
			continue
		}
		for tn, cn := range cols {
			tbl, err := db.Table(tn)
			if err != nil {
				continue
			}
			for r := range tbl.Rows() {
				if v := r.Get(cn).Str(); v != "" {
					n++
					if err := checkCondition(v); err != nil {
						t.Errorf("%s: %s: %v", filepath.Base(path), tn, err)
					}
				}
			}
		}
		db.Close()
	}
	if n == 0 {
		t.Skip("no conditions in the corpus")
	}
	t.Logf("%d conditions parsed", n)
}

// FuzzCondition: any text gives an answer, never a panic or a stack
// overflow, and a valid condition stays valid in parentheses and after NOT.
// (An invalid one may not: "0)AND(0" in parentheses is valid.)
func FuzzCondition(f *testing.F) {
	for _, s := range []string{"", "NOT Installed AND (VersionNT >= 600)", `A ~>< "x"`, "((", `&F=3 OR !F=2`, "-1 < -2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var err error
		testenv.CheckFuzzBudget(t, len(s), func() {
			err = checkCondition(s)
		})
		if strings.TrimSpace(s) == "" || strings.Count(s, "(")+strings.Count(strings.ToUpper(s), "NOT") >= maxCondDepth-1 {
			return // empty, or near the nesting limit one more level would pass
		}
		if err != nil {
			return
		}
		for _, wrapped := range []string{"(" + s + ")", "NOT (" + s + ")"} {
			if err := checkCondition(wrapped); err != nil {
				t.Fatalf("%q is valid, but %q is not: %v", s, wrapped, err)
			}
		}
	})
}
