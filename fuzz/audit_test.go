package fuzz

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msikit/msikit/internal/testenv"
)

// TestEveryFuzzTargetHasBudgets reads every _test.go file of the module
// and checks that each native fuzz target measures, per input, both the
// time taken (time.Since) and the memory allocated (runtime.ReadMemStats
// or runtime/metrics), in its body or in a function of its package it
// calls (directly or through a few calls), or calls testenv's
// CheckFuzzBudget (or CheckBudget), which does both.
func TestEveryFuzzTargetHasBudgets(t *testing.T) {
	root := testenv.RepoRoot()
	// Test functions by package folder, and the fuzz targets.
	funcs := map[string]map[string]*ast.FuncDecl{}
	type target struct{ dir, name string }
	var targets []target
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		dir := filepath.Dir(p)
		if funcs[dir] == nil {
			funcs[dir] = map[string]*ast.FuncDecl{}
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil || fd.Recv != nil {
				continue
			}
			funcs[dir][fd.Name.Name] = fd
			if strings.HasPrefix(fd.Name.Name, "Fuzz") && len(fd.Type.Params.List) == 1 {
				targets = append(targets, target{dir, fd.Name.Name})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) < 5 {
		t.Fatalf("only %d fuzz targets found", len(targets))
	}
	for _, tg := range targets {
		rel, _ := filepath.Rel(root, tg.dir)
		t.Run(rel+"/"+tg.name, func(t *testing.T) {
			var deadline, heap bool
			seen := map[string]bool{}
			queue := []string{tg.name}
			for depth := 0; depth < 4 && len(queue) > 0; depth++ {
				var next []string
				for _, name := range queue {
					fd := funcs[tg.dir][name]
					if fd == nil || seen[name] {
						continue
					}
					seen[name] = true
					ast.Inspect(fd.Body, func(n ast.Node) bool {
						switch n := n.(type) {
						case *ast.SelectorExpr:
							if x, ok := n.X.(*ast.Ident); ok {
								switch x.Name + "." + n.Sel.Name {
								case "time.Since":
									deadline = true
								case "runtime.ReadMemStats", "metrics.Read":
									heap = true
								case "testenv.CheckFuzzBudget", "testenv.CheckBudget", "testenv.CheckBudgetOf":
									deadline, heap = true, true
								}
							}
						case *ast.CallExpr:
							if id, ok := n.Fun.(*ast.Ident); ok {
								next = append(next, id.Name)
							}
						}
						return true
					})
				}
				queue = next
			}
			if !deadline {
				t.Error("no per-input deadline (time.Since) in the target or the functions it calls")
			}
			if !heap {
				t.Error("no per-input heap ceiling (runtime.ReadMemStats or runtime/metrics) in the target or the functions it calls")
			}
		})
	}
}
