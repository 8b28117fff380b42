package validate

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ruleCase is a package built from a base fixture by edit, and the
// findings one rule must report on it (in brief; none for a package that
// passes).
type ruleCase struct {
	name   string
	module bool
	edit   func(f *fixture)
	want   []string
	// msg, when set, must appear in the first finding's message.
	msg string
}

func testRule(t *testing.T, ice string, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := baseInstaller()
			if tc.module {
				f = baseModule()
			}
			if tc.edit != nil {
				tc.edit(f)
			}
			got, fs := f.run(t, ice)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s findings (-want +got):\n%s\n%v", ice, diff, fs)
			}
			if tc.msg != "" && (len(fs) == 0 || !strings.Contains(fs[0].Message, tc.msg)) {
				t.Errorf("first finding %v does not say %q", fs, tc.msg)
			}
			for _, x := range fs {
				if x.URL != docURL(ice) || x.Message == "" {
					t.Errorf("finding without message or link: %+v", x)
				}
			}
		})
	}
}

// TestBasesPass checks that the two base fixtures the rule tests edit pass
// every rule, so that each case's findings come from its edit.
func TestBasesPass(t *testing.T) {
	for name, f := range map[string]*fixture{"installer": baseInstaller(), "module": baseModule()} {
		t.Run(name, func(t *testing.T) {
			fs, err := Validate(f.build(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range fs {
				if x.Severity != Info {
					t.Errorf("%v", x)
				}
			}
		})
	}
}

// comp2 adds a second component C2 in dir, in feature Main, with the
// given attributes and key path, and optionally its file F2 named name.
func comp2(f *fixture, dir string, attr int, keyPath, fileName string) {
	f.add("Component", row("C2", "{33333333-3333-3333-3333-333333333333}", dir, attr, "", keyPath))
	f.add("FeatureComponents", row("Main", "C2"))
	if fileName != "" {
		f.add("File", row("F2", "C2", fileName, 10, "", "", 512, 2))
	}
}

func TestICE02(t *testing.T) {
	testRule(t, "ICE02", []ruleCase{
		{name: "passes"},
		{name: "key file of another component", edit: func(f *fixture) { comp2(f, "INSTALLDIR", 0, "F1", "") },
			want: []string{"error Component[C2].KeyPath"}, msg: "belongs to Component: 'C1'"},
		{name: "key file missing", edit: func(f *fixture) { comp2(f, "INSTALLDIR", 0, "Nope", "") },
			want: []string{"error Component[C2].KeyPath"}, msg: "not found in File table"},
		{name: "registry key path of another component", edit: func(f *fixture) {
			f.add("Registry", row("R1", 2, `Software\Acme`, "x", "1", "C1"))
			comp2(f, "INSTALLDIR", 4, "R1", "")
		}, want: []string{"error Component[C2].KeyPath"}, msg: "Registry: 'R1'"},
		{name: "own registry key path", edit: func(f *fixture) {
			f.add("Registry", row("R2", 2, `Software\Acme`, "x", "1", "C2"))
			comp2(f, "INSTALLDIR", 4, "R2", "")
		}},
		{name: "folder key path", edit: func(f *fixture) { comp2(f, "INSTALLDIR", 0, "", "") }},
	})
}

func TestICE08(t *testing.T) {
	testRule(t, "ICE08", []ruleCase{
		{name: "passes", edit: func(f *fixture) { comp2(f, "INSTALLDIR", 0, "F2", "b.txt") }},
		{name: "duplicate GUID", edit: func(f *fixture) {
			f.add("Component", row("C2", "{11111111-1111-1111-1111-111111111111}", "INSTALLDIR", 0, "", ""))
		}, want: []string{"error Component[C2].ComponentId"}, msg: "as component 'C1'"},
		{name: "duplicate GUID in another case", edit: func(f *fixture) {
			f.add("Component", row("C2", "{aaaaaaaa-1111-1111-1111-111111111111}", "INSTALLDIR", 0, "", ""),
				row("C3", "{AAAAAAAA-1111-1111-1111-111111111111}", "INSTALLDIR", 0, "", ""))
		}, want: []string{"error Component[C3].ComponentId"}},
		{name: "components without GUID", edit: func(f *fixture) {
			f.add("Component", row("C2", "", "INSTALLDIR", 0, "", ""), row("C3", "", "INSTALLDIR", 0, "", ""))
		}},
	})
}

func TestICE09(t *testing.T) {
	sys := func(attr int) func(*fixture) {
		return func(f *fixture) {
			f.add("Directory", row("SystemFolder", "TARGETDIR", "System"))
			comp2(f, "SystemFolder", attr, "F2", "acme.dll")
		}
	}
	testRule(t, "ICE09", []ruleCase{
		{name: "passes"},
		{name: "not permanent in SystemFolder", edit: sys(0), want: []string{"warning Component[C2].Attributes"}},
		{name: "permanent in SystemFolder", edit: sys(16)},
	})
}

func TestICE18(t *testing.T) {
	testRule(t, "ICE18", []ruleCase{
		{name: "passes"},
		{name: "folder key path not in CreateFolder", edit: func(f *fixture) { comp2(f, "INSTALLDIR", 0, "", "") },
			want: []string{"error Component[C2].Directory_"}},
		{name: "folder key path in CreateFolder", edit: func(f *fixture) {
			comp2(f, "INSTALLDIR", 0, "", "")
			f.add("CreateFolder", row("INSTALLDIR", "C2"))
		}},
		{name: "folder key path with files", edit: func(f *fixture) { comp2(f, "INSTALLDIR", 0, "", "b.txt") }},
		{name: "folder key path with RemoveFile there", edit: func(f *fixture) {
			comp2(f, "INSTALLDIR", 0, "", "")
			f.add("RemoveFile", row("RF", "C2", "*.log", "INSTALLDIR", 2))
		}},
		{name: "RemoveFile elsewhere does not count", edit: func(f *fixture) {
			comp2(f, "INSTALLDIR", 0, "", "")
			f.add("RemoveFile", row("RF", "C2", "*.log", "TARGETDIR", 2))
		}, want: []string{"error Component[C2].Directory_"}},
	})
}

func TestICE19(t *testing.T) {
	class := func(comp string) []any {
		return row("{44444444-4444-4444-4444-444444444444}", "InprocServer32", comp, "", "", "", "", "", nil, "", "", "Main", nil)
	}
	testRule(t, "ICE19", []ruleCase{
		{name: "passes", edit: func(f *fixture) {
			f.add("Class", class("C1"))
			f.add("Extension", row("acme", "C1", "", "", "Main"))
		}},
		{name: "class without ComponentId", edit: func(f *fixture) {
			f.add("Component", row("C2", "", "INSTALLDIR", 0, "", "F2"))
			f.add("File", row("F2", "C2", "b.dll", 1, "", "", 512, 2))
			f.add("Class", class("C2"))
		}, want: []string{"error Class[{44444444-4444-4444-4444-444444444444},InprocServer32,C2].Component_"}, msg: "does not have a ComponentId"},
		{name: "extension with folder key path", edit: func(f *fixture) {
			comp2(f, "INSTALLDIR", 0, "", "")
			f.add("Extension", row("acme", "C2", "", "", "Main"))
		}, want: []string{"error Extension[acme,C2].Component_"}, msg: "directory as its KeyPath"},
		{name: "typelib with registry key path", edit: func(f *fixture) {
			f.add("Registry", row("R2", 2, `Software\Acme`, "x", "1", "C2"))
			comp2(f, "INSTALLDIR", 4, "R2", "")
			f.add("TypeLib", row("{55555555-5555-5555-5555-555555555555}", 0, "C2", nil, "", "", "Main", nil))
		}, want: []string{"error TypeLib[{55555555-5555-5555-5555-555555555555},0,C2].Component_"}, msg: "Registry entry"},
		{name: "advertised shortcut with folder key path", edit: func(f *fixture) {
			comp2(f, "INSTALLDIR", 0, "", "")
			f.add("Shortcut", row("S1", "INSTALLDIR", "App", "C2", "Main", "", "", nil, "", nil, nil, ""))
		}},
		{name: "advertised shortcut with registry key path", edit: func(f *fixture) {
			f.add("Registry", row("R2", 2, `Software\Acme`, "x", "1", "C2"))
			comp2(f, "INSTALLDIR", 4, "R2", "")
			f.add("Shortcut", row("S1", "INSTALLDIR", "App", "C2", "Main", "", "", nil, "", nil, nil, ""))
		}, want: []string{"error Shortcut[S1].Component_"}},
		{name: "non-advertised shortcut is not checked", edit: func(f *fixture) {
			f.add("Registry", row("R2", 2, `Software\Acme`, "x", "1", "C2"))
			comp2(f, "INSTALLDIR", 4, "R2", "")
			f.add("Shortcut", row("S1", "INSTALLDIR", "App", "C2", "[#F1]", "", "", nil, "", nil, nil, ""))
		}},
		{name: "published component without ComponentId", edit: func(f *fixture) {
			f.add("Component", row("C2", "", "INSTALLDIR", 0, "", ""))
			f.add("PublishComponent", row("{66666666-6666-6666-6666-666666666666}", "q", "C2", "", "Main"))
		}, want: []string{"error PublishComponent[{66666666-6666-6666-6666-666666666666},q,C2].Component_"}},
	})
}

func TestICE21(t *testing.T) {
	testRule(t, "ICE21", []ruleCase{
		{name: "passes"},
		{name: "component in no feature", edit: func(f *fixture) {
			f.add("Component", row("C2", "{33333333-3333-3333-3333-333333333333}", "INSTALLDIR", 0, "", ""))
		}, want: []string{"error Component[C2]"}},
		{name: "no FeatureComponents table", edit: func(f *fixture) { f.set("FeatureComponents") },
			want: []string{"error Component[C1]"}},
		{name: "merge modules are not checked", module: true},
	})
}

func TestICE30(t *testing.T) {
	other := func(dir, cond, name string) func(*fixture) {
		return func(f *fixture) {
			f.add("Component", row("C2", "{33333333-3333-3333-3333-333333333333}", dir, 0, cond, "F2"))
			f.add("FeatureComponents", row("Main", "C2"))
			f.add("File", row("F2", "C2", name, 10, "", "", 512, 2))
		}
	}
	both := []string{"error File[F1]", "error File[F1]", "error File[F2]", "error File[F2]"}
	testRule(t, "ICE30", []ruleCase{
		{name: "passes", edit: other("INSTALLDIR", "", "other.exe")},
		{name: "same file same folder", edit: other("INSTALLDIR", "", "APP.EXE"), want: both, msg: "by two different components"},
		{name: "same folder through another Directory row", edit: func(f *fixture) {
			f.add("Directory", row("INSTALLDIR2", "ProgramFilesFolder", "ACME"))
			other("INSTALLDIR2", "", "app.exe")(f)
		}, want: both},
		{name: "same short name only", edit: other("INSTALLDIR", "", "app.exe|Application.exe"),
			want: []string{"error File[F1]", "error File[F2]"}, msg: "SFN"},
		{name: "one conditional", edit: other("INSTALLDIR", "VersionNT", "app.exe"), want: both, msg: "conditionalized component"},
		{name: "both conditional", edit: func(f *fixture) {
			f.set("Component", row("C1", "{11111111-1111-1111-1111-111111111111}", "INSTALLDIR", 0, "NOT VersionNT", "F1"))
			other("INSTALLDIR", "VersionNT", "app.exe")(f)
		}, want: []string{"warning File[F1]", "warning File[F1]", "warning File[F2]", "warning File[F2]"}},
		{name: "system folders resolve by their property", edit: func(f *fixture) {
			f.add("Directory", row("SystemFolder", "TARGETDIR", "System"), row("System64Folder", "TARGETDIR", "System"))
			f.add("Component", row("C2", "{33333333-3333-3333-3333-333333333333}", "SystemFolder", 16, "", "F2"),
				row("C3", "{44444444-3333-3333-3333-333333333333}", "System64Folder", 16, "", "F3"))
			f.add("File", row("F2", "C2", "acme.dll", 10, "", "", 512, 2), row("F3", "C3", "acme.dll", 10, "", "", 512, 3))
		}},
		{name: "parent loop", edit: func(f *fixture) {
			f.add("Directory", row("LoopA", "LoopB", "A"), row("LoopB", "LoopA", "B"))
			other("LoopA", "", "app.exe")(f)
		}},
	})
}

func TestICE33(t *testing.T) {
	reg := func(rows ...[]any) func(*fixture) { return func(f *fixture) { f.add("Registry", rows...) } }
	testRule(t, "ICE33", []ruleCase{
		{name: "passes", edit: reg(row("R1", 2, `Software\Acme`, "Path", "[INSTALLDIR]", "C1"),
			row("R2", 0, `Directory\shell\acme`, "", "Acme here", "C1"))},
		{name: "class", edit: reg(row("R1", 0, `CLSID\{44444444-4444-4444-4444-444444444444}\InprocServer32`, "", "[#F1]", "C1")),
			want: []string{"warning Registry[R1].Key"}, msg: "a COM class"},
		{name: "class under HKLM Software Classes", edit: reg(row("R1", 2, `SOFTWARE\Classes\CLSID\{44444444-4444-4444-4444-444444444444}`, "", "x", "C1")),
			want: []string{"warning Registry[R1].Key"}},
		{name: "extension and its verb", edit: reg(row("R1", 0, `.acme`, "", "Acme.Document", "C1"), row("R2", 0, `.acme\shell\open\command`, "", `"[#F1]" "%1"`, "C1")),
			want: []string{"warning Registry[R1].Key", "warning Registry[R2].Key"}},
		{name: "ProgId named by its CLSID subkey", edit: reg(row("R1", 0, `Acme.Document`, "", "Acme document", "C1"), row("R2", 0, `Acme.Document\CLSID`, "", "{44444444-4444-4444-4444-444444444444}", "C1")),
			want: []string{"warning Registry[R1].Key", "warning Registry[R2].Key"}, msg: "a ProgId"},
		{name: "AppId, TypeLib and MIME", edit: reg(row("R1", 0, `AppID\{44444444-4444-4444-4444-444444444444}`, "", "x", "C1"),
			row("R2", 0, `TypeLib\{55555555-5555-5555-5555-555555555555}\1.0`, "", "x", "C1"),
			row("R3", -1, `Software\Classes\MIME\Database\Content Type\application/x-acme`, "Extension", ".acme", "C1")),
			want: []string{"warning Registry[R1].Key", "warning Registry[R2].Key", "warning Registry[R3].Key"}},
	})
}

// userDir adds AppDataFolder\Acme as APPDIR.
func userDir(f *fixture) {
	f.add("Directory", row("AppDataFolder", "TARGETDIR", "AppData"), row("APPDIR", "AppDataFolder", "Acme"))
}

func TestICE38(t *testing.T) {
	testRule(t, "ICE38", []ruleCase{
		{name: "passes", edit: func(f *fixture) {
			userDir(f)
			f.add("Registry", row("R2", 1, `Software\Acme`, "installed", "1", "C2"))
			comp2(f, "APPDIR", 4, "R2", "data.txt")
		}},
		{name: "root -1 counts as HKCU", edit: func(f *fixture) {
			userDir(f)
			f.add("Registry", row("R2", -1, `Software\Acme`, "installed", "1", "C2"))
			comp2(f, "APPDIR", 4, "R2", "data.txt")
		}},
		{name: "file key path in the profile", edit: func(f *fixture) { userDir(f); comp2(f, "APPDIR", 0, "F2", "data.txt") },
			want: []string{"error Component[C2].KeyPath"}, msg: "not a file"},
		{name: "HKLM key path", edit: func(f *fixture) {
			userDir(f)
			f.add("Registry", row("R2", 2, `Software\Acme`, "installed", "1", "C2"))
			comp2(f, "APPDIR", 4, "R2", "data.txt")
		}, want: []string{"error Component[C2].KeyPath"}, msg: "must fall under HKCU"},
		{name: "registry key path missing", edit: func(f *fixture) { userDir(f); comp2(f, "APPDIR", 4, "Nope", "") },
			want: []string{"error Component[C2].KeyPath"}, msg: "does not exist"},
		{name: "registry entry of another component", edit: func(f *fixture) {
			userDir(f)
			f.add("Registry", row("R1", 1, `Software\Acme`, "installed", "1", "C1"))
			comp2(f, "APPDIR", 4, "R1", "")
		}, want: []string{"error Component[C2].KeyPath"}, msg: "does not belong"},
		{name: "null registry key path", edit: func(f *fixture) { userDir(f); comp2(f, "APPDIR", 4, "", "") },
			want: []string{"error Component[C2].KeyPath"}, msg: "currently null"},
	})
}

func TestICE43(t *testing.T) {
	menu := func(f *fixture) {
		f.add("Directory", row("ProgramMenuFolder", "TARGETDIR", "Menu"))
	}
	shortcut := func(dir, comp, target string) []any {
		return row("S1", dir, "App", comp, target, "", "", nil, "", nil, nil, "")
	}
	testRule(t, "ICE43", []ruleCase{
		{name: "passes", edit: func(f *fixture) {
			menu(f)
			f.add("Registry", row("R2", 1, `Software\Acme`, "menu", "1", "C2"))
			comp2(f, "INSTALLDIR", 4, "R2", "")
			f.add("Shortcut", shortcut("ProgramMenuFolder", "C2", "[#F1]"))
		}},
		{name: "non-advertised shortcut with a file key path", edit: func(f *fixture) {
			menu(f)
			f.add("Shortcut", shortcut("ProgramMenuFolder", "C1", "[#F1]"))
		}, want: []string{"error Component[C1].KeyPath"}, msg: "has non-advertised shortcuts"},
		{name: "advertised shortcut", edit: func(f *fixture) {
			menu(f)
			f.add("Shortcut", shortcut("ProgramMenuFolder", "C1", "Main"))
		}},
		{name: "shortcut outside the profile", edit: func(f *fixture) { f.add("Shortcut", shortcut("INSTALLDIR", "C1", "[#F1]")) }},
	})
}

func TestICE57(t *testing.T) {
	testRule(t, "ICE57", []ruleCase{
		{name: "passes", edit: func(f *fixture) { f.add("Registry", row("R1", 2, `Software\Acme`, "x", "1", "C1")) }},
		{name: "HKCU data with a per-machine file key path", edit: func(f *fixture) {
			f.add("Registry", row("R1", 1, `Software\Acme`, "x", "1", "C1"))
		}, want: []string{"error Component[C1]"}, msg: "per-machine KeyPath"},
		{name: "either data with a per-machine key path", edit: func(f *fixture) {
			f.add("Registry", row("R1", -1, `Software\Acme`, "x", "1", "C1"))
		}, want: []string{"error Component[C1]"}, msg: "either per-user or per-machine and a per-machine KeyPath"},
		{name: "HKLM data with an HKCU key path", edit: func(f *fixture) {
			f.add("Registry", row("R2", 1, `Software\Acme`, "k", "1", "C2"), row("R3", 2, `Software\Acme`, "m", "1", "C2"))
			comp2(f, "INSTALLDIR", 4, "R2", "")
		}, want: []string{"warning Component[C2]"}},
		{name: "HKCU data with an either key path", edit: func(f *fixture) {
			f.add("Registry", row("R2", -1, `Software\Acme`, "k", "1", "C2"), row("R3", 1, `Software\Acme`, "u", "1", "C2"))
			comp2(f, "INSTALLDIR", 4, "R2", "")
		}, want: []string{"error Component[C2]"}, msg: "can be either"},
		{name: "either key path with per-machine files", edit: func(f *fixture) {
			f.add("Registry", row("R2", -1, `Software\Acme`, "k", "1", "C2"))
			comp2(f, "INSTALLDIR", 4, "R2", "data.txt")
		}},
	})
}

func TestICE59(t *testing.T) {
	testRule(t, "ICE59", []ruleCase{
		{name: "passes", edit: func(f *fixture) {
			f.add("Shortcut", row("S1", "INSTALLDIR", "App", "C1", "Main", "", "", nil, "", nil, nil, ""))
		}},
		{name: "component not in the advertised feature", edit: func(f *fixture) {
			f.add("Feature", row("Other", "", "Other", "", 1, 1, "", 0))
			f.add("Component", row("C2", "{33333333-3333-3333-3333-333333333333}", "INSTALLDIR", 0, "", "F2"))
			f.add("File", row("F2", "C2", "b.exe", 1, "", "", 512, 2))
			f.add("FeatureComponents", row("Other", "C2"))
			f.add("Shortcut", row("S1", "INSTALLDIR", "App", "C2", "Main", "", "", nil, "", nil, nil, ""))
		}, want: []string{"error Shortcut[S1].Target"}, msg: "no mapping between 'Main' and 'C2'"},
	})
}

func TestICE64(t *testing.T) {
	testRule(t, "ICE64", []ruleCase{
		{name: "passes", edit: func(f *fixture) {
			userDir(f)
			f.add("RemoveFile", row("RD", "C1", "", "APPDIR", 2))
		}},
		{name: "profile folder not removed", edit: userDir, want: []string{"error Directory[APPDIR]"}},
		{name: "removing files is not removing the folder", edit: func(f *fixture) {
			userDir(f)
			f.add("RemoveFile", row("RD", "C1", "*.tmp", "APPDIR", 2))
		}, want: []string{"error Directory[APPDIR]"}},
		{name: "a dot folder is not new", edit: func(f *fixture) {
			f.add("Directory", row("AppDataFolder", "TARGETDIR", "AppData"), row("SAME", "AppDataFolder", "."))
		}},
	})
}

func TestICE69(t *testing.T) {
	reg := func(value string) func(*fixture) {
		return func(f *fixture) {
			f.add("Feature", row("Other", "", "Other", "", 1, 1, "", 0))
			f.add("Component", row("C3", "{44444444-3333-3333-3333-333333333333}", "INSTALLDIR", 0, "", "F3"))
			f.add("File", row("F3", "C3", "c.exe", 1, "", "", 512, 3))
			f.add("FeatureComponents", row("Other", "C3"))
			comp2(f, "INSTALLDIR", 0, "F2", "b.exe")
			f.add("Registry", row("R1", 2, `Software\Acme`, "x", value, "C1"))
		}
	}
	testRule(t, "ICE69", []ruleCase{
		{name: "passes", edit: reg("[#F1] [$C1] [!F1] [Unrelated]")},
		{name: "component of the same feature", edit: reg("[$C2]"), want: []string{"warning Registry[R1].Value"}, msg: "Components are in the same feature"},
		{name: "file of the same feature", edit: reg("[#F2]"), want: []string{"warning Registry[R1].Value"}, msg: "file 'F2' which belongs to component 'C2'"},
		{name: "component of another feature", edit: reg("x [$C3] y"), want: []string{"error Registry[R1].Value"}, msg: "not in the same feature"},
		{name: "short file path of another feature", edit: reg("[!F3]"), want: []string{"error Registry[R1].Value"}},
		{name: "verb of an extension", edit: func(f *fixture) {
			comp2(f, "INSTALLDIR", 0, "F2", "b.exe")
			f.add("Extension", row("acme", "C1", "", "", "Main"))
			f.add("Verb", row("acme", "open", nil, "", `"[#F1]" [$C1]`), row("acme", "edit", nil, "", "[#F2]"))
		}, want: []string{"warning Verb[acme,edit].Argument"}},
	})
}

func TestICE77(t *testing.T) {
	seq := func(s int) func(*fixture) {
		return func(f *fixture) {
			rows := f.tables["InstallExecuteSequence"]
			for i, r := range rows {
				if r[0] == "Deferred" {
					rows[i] = row("Deferred", "", s)
				}
			}
		}
	}
	testRule(t, "ICE77", []ruleCase{
		{name: "passes"},
		{name: "before InstallInitialize", edit: seq(1000), want: []string{"error InstallExecuteSequence[Deferred].Sequence"}},
		{name: "after InstallFinalize", edit: seq(6700), want: []string{"error InstallExecuteSequence[Deferred].Sequence"}},
		{name: "InstallFinalize missing", edit: func(f *fixture) {
			f.tables["InstallExecuteSequence"] = f.tables["InstallExecuteSequence"][:7]
		}, want: []string{"error InstallExecuteSequence"}, msg: "InstallFinalize is missing"},
		{name: "in AdminExecuteSequence too", edit: func(f *fixture) {
			f.add("AdminExecuteSequence", row("InstallInitialize", "", 1500), row("Deferred", "", 1400), row("InstallFinalize", "", 6600))
		}, want: []string{"error AdminExecuteSequence[Deferred].Sequence"}},
		{name: "immediate actions anywhere", edit: func(f *fixture) {
			f.add("CustomAction", row("Immediate", 1, "F1", ""))
			f.add("InstallExecuteSequence", row("Immediate", "", 100))
		}},
	})
}

func TestICE80(t *testing.T) {
	x64 := func(f *fixture) { f.template = "x64;1033" }
	testRule(t, "ICE80", []ruleCase{
		{name: "passes"},
		{name: "x64 passes", edit: func(f *fixture) {
			x64(f)
			f.add("Directory", row("ProgramFiles64Folder", "TARGETDIR", "PFiles64"), row("DIR64", "ProgramFiles64Folder", "Acme"))
			comp2(f, "DIR64", 256, "F2", "app64.exe")
		}},
		{name: "AMD64 counts as x64", edit: func(f *fixture) {
			f.template = "AMD64;1033"
			comp2(f, "INSTALLDIR", 0, "F2", "b.exe")
		}},
		{name: "64-bit component in an Intel package", edit: func(f *fixture) {
			f.add("Directory", row("ProgramFiles64Folder", "TARGETDIR", "PFiles64"), row("DIR64", "ProgramFiles64Folder", "Acme"))
			comp2(f, "DIR64", 256, "F2", "app64.exe")
		}, want: []string{"error Component[C2].Attributes", "error Directory[ProgramFiles64Folder]"}},
		{name: "x64 with a low Page Count", edit: func(f *fixture) { x64(f); f.pageCount = 110 },
			want: []string{"error"}, msg: "schema less than 200"},
		{name: "64-bit component in a 32-bit folder", edit: func(f *fixture) { x64(f); comp2(f, "INSTALLDIR", 256, "F2", "b.exe") },
			want: []string{"error Component[C2].Directory_"}, msg: "uses 32BitDirectory"},
		{name: "32-bit component in a 64-bit folder", edit: func(f *fixture) {
			x64(f)
			f.add("Directory", row("ProgramFiles64Folder", "TARGETDIR", "PFiles64"), row("DIR64", "ProgramFiles64Folder", "Acme"))
			comp2(f, "DIR64", 0, "F2", "b.exe")
		}, want: []string{"error Component[C2].Directory_"}, msg: "uses 64BitDirectory"},
		{name: "64-bit script", edit: func(f *fixture) { f.add("CustomAction", row("Script", 0x1000|6|0x20, "", "x")) },
			want: []string{"error CustomAction[Script].Type"}},
		{name: "64-bit locator in a 32-bit package", edit: func(f *fixture) {
			f.add("RegLocator", row("Sig", 2, `Software\Acme`, "Path", 0x10|2))
		}, want: []string{"error RegLocator[Sig].Type"}},
		{name: "ProductLanguage not in Template", edit: func(f *fixture) { f.template = "Intel;1031" },
			want: []string{"error Property[ProductLanguage].Value"}},
		{name: "empty Template", edit: func(f *fixture) { f.template = "" }, want: []string{"error"}, msg: "Template"},
	})
}

func TestICE82(t *testing.T) {
	drop := func(action string) func(*fixture) {
		return func(f *fixture) {
			var keep [][]any
			for _, r := range f.tables["InstallExecuteSequence"] {
				if !strings.Contains(action, r[0].(string)) {
					keep = append(keep, r)
				}
			}
			f.tables["InstallExecuteSequence"] = keep
		}
	}
	testRule(t, "ICE82", []ruleCase{
		{name: "passes"},
		{name: "one registration action missing", edit: drop("PublishProduct"), want: []string{"error InstallExecuteSequence"}, msg: "Actions Missing: PublishProduct"},
		{name: "all registration actions missing", edit: drop("PublishProduct PublishFeatures RegisterProduct RegisterUser"),
			want: []string{"warning InstallExecuteSequence"}},
		{name: "duplicate sequence number", edit: func(f *fixture) {
			f.add("InstallUISequence", row("CostInitialize", "", 800), row("FileCost", "", 800), row("ExitDialog", "", -1), row("FatalError", "", -1))
		}, want: []string{"warning InstallUISequence[FileCost].Sequence"}},
	})
}

func TestICE90(t *testing.T) {
	sc := func(dir string) func(*fixture) {
		return func(f *fixture) {
			f.add("Directory", row("ProgramMenuFolder", "TARGETDIR", "Menu"), row(dir, "ProgramMenuFolder", "Acme"))
			f.add("Shortcut", row("S1", dir, "App", "C1", "Main", "", "", nil, "", nil, nil, ""))
		}
	}
	testRule(t, "ICE90", []ruleCase{
		{name: "passes", edit: sc("AcmeMenu")},
		{name: "public property folder in the profile", edit: sc("ACMEMENU"), want: []string{"warning Shortcut[S1].Directory_"}},
	})
}

func TestICE91(t *testing.T) {
	testRule(t, "ICE91", []ruleCase{
		{name: "passes", edit: func(f *fixture) {
			f.add("Directory", row("ProgramMenuFolder", "TARGETDIR", "Menu"))
			f.add("Shortcut", row("S1", "ProgramMenuFolder", "App", "C1", "Main", "", "", nil, "", nil, nil, ""))
		}},
		{name: "file, ini file and shortcut in per-user folders", edit: func(f *fixture) {
			userDir(f)
			f.add("Directory", row("PersonalFolder", "TARGETDIR", "Personal"), row("LocalAppDataFolder", "TARGETDIR", "Local"))
			comp2(f, "APPDIR", 0, "F2", "data.txt")
			f.add("IniFile", row("I1", "acme.ini", "LocalAppDataFolder", "s", "k", "v", 0, "C2"))
			f.add("Shortcut", row("S1", "PersonalFolder", "App", "C1", "Main", "", "", nil, "", nil, nil, ""))
		}, want: []string{"warning File[F2]", "warning IniFile[I1].DirProperty", "warning Shortcut[S1].Directory_"}},
	})
}

func TestICE99(t *testing.T) {
	testRule(t, "ICE99", []ruleCase{
		{name: "passes"},
		{name: "directory named like a property", edit: func(f *fixture) {
			f.add("Directory", row("ALLUSERS", "INSTALLDIR", "x"), row("Date", "INSTALLDIR", "d"))
		}, want: []string{"error Directory[ALLUSERS].Directory", "error Directory[Date].Directory"}},
	})
}

const (
	modID    = "Acme.12345678_1234_1234_1234_123456789012"
	modOther = "Other.87654321_4321_4321_4321_210987654321"
)

func TestICEM02(t *testing.T) {
	testRule(t, "ICEM02", []ruleCase{
		{name: "passes", module: true, edit: func(f *fixture) {
			f.add("ModuleDependency", row(modID, 1033, modOther, 0, "2.0"))
			f.add("ModuleExclusion", row(modID, 1033, modOther, 1031, "", "1.0"))
		}},
		{name: "dependency of another module", module: true, edit: func(f *fixture) {
			f.add("ModuleDependency", row(modOther, 1033, "Third.1", 0, "1.0"))
		}, want: []string{"error ModuleDependency[" + modOther + ",1033,Third.1,0].ModuleID"}},
		{name: "depends on itself", module: true, edit: func(f *fixture) {
			f.add("ModuleDependency", row(modID, 1033, modID, 1033, "1.0"))
		}, want: []string{"error ModuleDependency[" + modID + ",1033," + modID + ",1033].RequiredID"}},
		{name: "excludes itself", module: true, edit: func(f *fixture) {
			f.add("ModuleExclusion", row(modID, 1033, modID, 0, "", ""))
		}, want: []string{"error ModuleExclusion[" + modID + ",1033," + modID + ",0].ExcludedID"}},
	})
}

func TestICEM04(t *testing.T) {
	testRule(t, "ICEM04", []ruleCase{
		{name: "passes", module: true},
		{name: "FeatureComponents missing", module: true, edit: func(f *fixture) { f.set("FeatureComponents") },
			want: []string{"error FeatureComponents"}},
		{name: "InstallExecuteSequence missing", module: true, edit: func(f *fixture) { f.set("InstallExecuteSequence") },
			want: []string{"error InstallExecuteSequence"}},
		{name: "AdvtExecuteSequence with rows", module: true, edit: func(f *fixture) {
			f.add("AdvtExecuteSequence", row("CostInitialize", "", 800))
		}, want: []string{"error AdvtExecuteSequence[CostInitialize]"}},
		{name: "ModuleAdminExecuteSequence without AdminExecuteSequence", module: true, edit: func(f *fixture) {
			f.add("ModuleAdminExecuteSequence", row("CostInitialize", 800, "", "", ""))
		}, want: []string{"error AdminExecuteSequence"}},
	})
}

func TestICEM05(t *testing.T) {
	testRule(t, "ICEM05", []ruleCase{
		{name: "passes", module: true},
		{name: "component of another module", module: true, edit: func(f *fixture) {
			f.set("ModuleComponents", row("C1."+modID[5:], modOther, 1033))
		}, want: []string{"error ModuleComponents[C1." + modID[5:] + "," + modOther + ",1033].ModuleID"}},
		{name: "listed component missing", module: true, edit: func(f *fixture) {
			f.add("ModuleComponents", row("Ghost."+modID[5:], modID, 1033))
		}, want: []string{"error ModuleComponents[Ghost." + modID[5:] + "," + modID + ",1033].Component"}},
		{name: "component not listed", module: true, edit: func(f *fixture) {
			f.add("Component", row("C2."+modID[5:], "{33333333-3333-3333-3333-333333333333}", "AcmeDir."+modID[5:], 0, "", ""))
			f.add("CreateFolder", row("AcmeDir."+modID[5:], "C2."+modID[5:]))
		}, want: []string{"error Component[C2." + modID[5:] + "]"}},
	})
}

func TestICEM06(t *testing.T) {
	class := func(feature string) []any {
		return row("{44444444-4444-4444-4444-444444444444}", "InprocServer32", "C1."+modID[5:], "", "", "", "", "", nil, "", "", feature, nil)
	}
	shortcut := func(target string) []any {
		return row("S1."+modID[5:], "AcmeDir."+modID[5:], "App", "C1."+modID[5:], target, "", "", nil, "", nil, nil, "")
	}
	testRule(t, "ICEM06", []ruleCase{
		{name: "passes", module: true, edit: func(f *fixture) {
			f.add("Class", class(nullGUID))
			f.add("Shortcut", shortcut(nullGUID))
		}},
		{name: "formatted shortcut target", module: true, edit: func(f *fixture) { f.add("Shortcut", shortcut("[#F1."+modID[5:]+"]")) }},
		{name: "feature named", module: true, edit: func(f *fixture) {
			f.add("Class", class("Main"))
			f.add("Shortcut", shortcut("cmd.exe"))
		}, want: []string{"error Class[{44444444-4444-4444-4444-444444444444},InprocServer32,C1." + modID[5:] + "].Feature_",
			"error Shortcut[S1." + modID[5:] + "].Target"}},
	})
}

func TestICEM08(t *testing.T) {
	testRule(t, "ICEM08", []ruleCase{
		{name: "passes", module: true, edit: func(f *fixture) {
			f.add("ModuleDependency", row(modID, 1033, modOther, 1033, "2.0"))
			f.add("ModuleExclusion", row(modID, 1033, modOther, 1033, "", "1.5"))
		}},
		{name: "excludes what it requires", module: true, edit: func(f *fixture) {
			f.add("ModuleDependency", row(modID, 1033, modOther, 1033, "1.0"))
			f.add("ModuleExclusion", row(modID, 1033, modOther, 1033, "", "1.0"))
		}, want: []string{"error ModuleDependency[" + modID + ",1033," + modOther + ",1033].RequiredID"}},
	})
}

func TestICEM09(t *testing.T) {
	testRule(t, "ICEM09", []ruleCase{
		{name: "passes", module: true},
		{name: "component in ProgramFilesFolder", module: true, edit: func(f *fixture) {
			f.add("Directory", row("ProgramFilesFolder", "TARGETDIR", "PFiles"))
			f.add("Component", row("C2."+modID[5:], "{33333333-3333-3333-3333-333333333333}", "ProgramFilesFolder", 0, "", ""))
		}, want: []string{"warning Component[C2." + modID[5:] + "].Directory_"}},
	})
}

func TestICEM10(t *testing.T) {
	testRule(t, "ICEM10", []ruleCase{
		{name: "passes", module: true, edit: func(f *fixture) { f.add("Property", row("ACMEOPTION", "1")) }},
		{name: "product properties", module: true, edit: func(f *fixture) {
			f.add("Property", row("ProductName", "Acme"), row("Manufacturer", "Acme Corp"))
		}, want: []string{"error Property[Manufacturer].Property", "error Property[ProductName].Property"}},
	})
}

func TestICEM12(t *testing.T) {
	testRule(t, "ICEM12", []ruleCase{
		{name: "passes", module: true, edit: func(f *fixture) {
			f.add("CustomAction", row("SetX", 51, "X", "1"))
			f.add("ModuleInstallExecuteSequence", row("SetX", nil, "InstallFiles", 1, ""))
		}},
		{name: "each case", module: true, edit: func(f *fixture) {
			f.add("CustomAction", row("BySeq", 51, "X", "1"), row("Nowhere", 51, "Y", "1"))
			f.add("ModuleInstallExecuteSequence", row("BySeq", 100, "", nil, ""), row("Nowhere", nil, "", nil, ""),
				row("CostInitialize", nil, "InstallFiles", 0, ""), row("FileCost", nil, "", nil, ""))
		}, want: []string{"warning ModuleInstallExecuteSequence[BySeq].Sequence", "error ModuleInstallExecuteSequence[CostInitialize].BaseAction",
			"error ModuleInstallExecuteSequence[FileCost].Sequence", "error ModuleInstallExecuteSequence[Nowhere]"}},
	})
}
