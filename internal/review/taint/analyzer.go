// Package taint is tend review's data-flow analysis: an abstract interpreter
// over the ir package's functions that tracks, for every value, whether it
// carries untrusted input (and which sinks a sanitizer made it safe for),
// its constant value when known (so dead branches are pruned and constant
// arguments such as hash names are read), the contents of lists, dicts and
// objects, and — for Java — whether it may be null. Functions of the
// project are analysed in the context of each call (to a bounded depth), so
// taint flows through local helpers, classes and modules.
//
// Each function of the project is a root: it is interpreted once with its
// parameters unknown (or tainted, for request handlers), and the sinks,
// crypto calls and dereferences it reaches report findings.
package taint

import (
	"context"
	"sort"
	"strings"

	"github.com/tendhq/tend/internal/review/ir"
)

// Finding is one problem the analysis found.
type Finding struct {
	Rule    string // rule ID (package rule)
	File    string
	Pos     ir.Pos
	Detail  string // what was found, e.g. "hashlib.md5" or "cursor.execute"
	Path    []Step // source → sink, for data-flow findings
	Sink    string // the API that received the data
	Source  string // where the data came from
	Confirm bool   // reserved
}

// Options bound the analysis.
type Options struct {
	// MaxDepth is how deep calls into project functions are followed (default 4).
	MaxDepth int
	// Budget is the number of statements one root may interpret, calls
	// included (default 20000); past it the root's analysis stops early.
	Budget int
	// Resource returns a project file by the name code opens it with
	// (getResourceAsStream("app.properties"), new FileInputStream("conf/x.properties")),
	// so that Properties.load reads the keys the code will see.
	Resource func(name string) ([]byte, bool)
}

// Project is the set of modules analysed together; calls between them are
// followed.
type Project struct {
	mods    []*ir.Module
	byName  map[string]*ir.Module // Python dotted module names; Java package.Class and Class
	classes map[string][]javaClass
}

type javaClass struct {
	mod   *ir.Module
	class *ir.Class
}

// NewProject indexes modules by name so imports and calls resolve.
func NewProject(mods []*ir.Module) *Project {
	p := &Project{mods: mods, byName: map[string]*ir.Module{}, classes: map[string][]javaClass{}}
	for _, m := range mods {
		if m.Name != "" {
			p.byName[m.Name] = m
		}
		if m.Lang == ir.Java {
			for _, s := range m.Body {
				if cd, ok := s.(*ir.ClassDef); ok {
					p.indexJavaClass(m, cd.Class)
				}
			}
		}
	}
	return p
}

func (p *Project) indexJavaClass(m *ir.Module, c *ir.Class) {
	p.classes[c.Name] = append(p.classes[c.Name], javaClass{mod: m, class: c})
	for _, in := range c.Classes {
		p.indexJavaClass(m, in)
	}
}

// Analyze runs every root of the project and returns the findings, sorted
// by file, position and rule, without duplicates.
func (p *Project) Analyze(ctx context.Context, o Options) ([]Finding, error) {
	if o.MaxDepth <= 0 {
		o.MaxDepth = 4
	}
	if o.Budget <= 0 {
		o.Budget = 20000
	}
	a := &analyzer{p: p, o: o, seen: map[findingKey]int{}}
	for _, m := range p.mods {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		a.analyzeModule(ctx, m)
	}
	out := a.findings
	sort.Slice(out, func(i, j int) bool {
		x, y := out[i], out[j]
		if x.File != y.File {
			return x.File < y.File
		}
		if x.Pos.Line != y.Pos.Line {
			return x.Pos.Line < y.Pos.Line
		}
		if x.Pos.Col != y.Pos.Col {
			return x.Pos.Col < y.Pos.Col
		}
		return x.Rule < y.Rule
	})
	return out, ctx.Err()
}

type findingKey struct {
	rule, file string
	pos        ir.Pos
}

type analyzer struct {
	p        *Project
	o        Options
	findings []Finding
	seen     map[findingKey]int
	// template module states: the result of running each module's top level once
	templates map[*ir.Module]*modState
	// fieldWrites caches, per Java class, the fields its methods assign
	fieldWrites map[*ir.Class]map[string]bool
	// web caches which modules import a web framework
	web map[*ir.Module]bool
	// urlConverters caches the Django URL converters of each view's
	// parameters (python_frameworks.go)
	urlConverters map[string]map[string]string
}

func (a *analyzer) report(f Finding) {
	k := findingKey{f.Rule, f.File, f.Pos}
	if i, ok := a.seen[k]; ok {
		// keep the shortest path
		if len(f.Path) > 0 && (len(a.findings[i].Path) == 0 || len(f.Path) < len(a.findings[i].Path)) {
			a.findings[i] = f
		}
		return
	}
	a.seen[k] = len(a.findings)
	a.findings = append(a.findings, f)
}

// root is a function to analyse on its own, with the scopes that enclose it.
type root struct {
	fn    *ir.Func
	outer []*ir.Func // enclosing functions, outermost first
	class *ir.Class
}

func (a *analyzer) analyzeModule(ctx context.Context, m *ir.Module) {
	var roots []root
	var walk func(stmts []ir.Stmt, outer []*ir.Func, class *ir.Class)
	walk = func(stmts []ir.Stmt, outer []*ir.Func, class *ir.Class) {
		for _, s := range stmts {
			forEachNested(s, func(s ir.Stmt) {
				switch d := s.(type) {
				case *ir.FuncDef:
					roots = append(roots, root{fn: d.Fn, outer: outer, class: class})
					walk(d.Fn.Body, append(append([]*ir.Func(nil), outer...), d.Fn), nil)
				case *ir.ClassDef:
					a.walkClass(d.Class, outer, &roots, walk)
				}
			})
		}
	}
	walk(m.Body, nil, nil)
	// a module's top level is a root of its own (scripts)
	w := a.newWorld()
	ms := w.module(m)
	_ = ms
	for _, r := range roots {
		if ctx.Err() != nil {
			return
		}
		w := a.newWorld()
		w.runRoot(m, r)
	}
}

func (a *analyzer) walkClass(c *ir.Class, outer []*ir.Func, roots *[]root, walk func([]ir.Stmt, []*ir.Func, *ir.Class)) {
	for _, f := range c.Methods {
		*roots = append(*roots, root{fn: f, outer: outer, class: c})
		walk(f.Body, append(append([]*ir.Func(nil), outer...), f), nil)
	}
	for _, in := range c.Classes {
		a.walkClass(in, outer, roots, walk)
	}
	walk(c.Body, outer, c)
}

// forEachNested calls f on s and on the statements nested in its blocks
// (but not inside nested functions or classes, which f handles itself).
func forEachNested(s ir.Stmt, f func(ir.Stmt)) {
	f(s)
	each := func(ss []ir.Stmt) {
		for _, x := range ss {
			forEachNested(x, f)
		}
	}
	switch x := s.(type) {
	case *ir.If:
		each(x.Then)
		each(x.Else)
	case *ir.While:
		each(x.Body)
		each(x.Else)
	case *ir.For:
		each(x.Body)
		each(x.Else)
	case *ir.Try:
		each(x.Body)
		for _, h := range x.Handlers {
			each(h.Body)
		}
		each(x.Else)
		each(x.Finally)
	case *ir.With:
		each(x.Body)
	case *ir.Switch:
		for _, c := range x.Cases {
			each(c.Body)
		}
	case *ir.Block:
		each(x.Body)
	}
}

func baseName(path string) string {
	if i := strings.LastIndexAny(path, "/\\"); i >= 0 {
		return path[i+1:]
	}
	return path
}
