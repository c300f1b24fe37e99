//go:build cgo

// Package python is tend review's Python front end: it parses a file with
// tree-sitter's Python grammar and lowers the syntax tree into the ir
// package's modules, functions and statements. What the IR does not model
// (type annotations, comments, decorators' arguments' layout) is dropped;
// what it cannot make sense of becomes ir.Unknown, so a file with syntax
// errors still yields the functions tree-sitter could recover.
package python

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"
	tspython "github.com/smacker/go-tree-sitter/python"

	"github.com/tendhq/tend/internal/review/ir"
)

// Parse parses Python source and lowers it. path is recorded in the module;
// name is the module's dotted name ("pkg.mod"), used to resolve imports.
func Parse(ctx context.Context, path, name string, src []byte) (*ir.Module, error) {
	p := sitter.NewParser()
	defer p.Close()
	p.SetLanguage(tspython.GetLanguage())
	tree, err := p.ParseCtx(ctx, nil, src)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	defer tree.Close()
	l := &lowerer{src: src}
	m := &ir.Module{Path: path, Lang: ir.Python, Name: name}
	m.Body = l.block(tree.RootNode())
	m.Errors = l.errors
	return m, nil
}

// YieldName is the function a yield expression is lowered to a call of.
const YieldName = "<yield>"

type lowerer struct {
	src    []byte
	errors int
}

func (l *lowerer) pos(n *sitter.Node) ir.Pos {
	p := n.StartPoint()
	return ir.Pos{Line: int(p.Row) + 1, Col: int(p.Column) + 1}
}

func (l *lowerer) text(n *sitter.Node) string { return n.Content(l.src) }

// named returns n's named children.
func named(n *sitter.Node) []*sitter.Node {
	c := int(n.NamedChildCount())
	out := make([]*sitter.Node, 0, c)
	for i := 0; i < c; i++ {
		k := n.NamedChild(i)
		if k.IsExtra() { // comments
			continue
		}
		out = append(out, k)
	}
	return out
}

// block lowers the statements under n (a module or block).
func (l *lowerer) block(n *sitter.Node) []ir.Stmt {
	if n == nil {
		return nil
	}
	var out []ir.Stmt
	for _, k := range named(n) {
		out = append(out, l.stmt(k)...)
	}
	return out
}

func (l *lowerer) stmt(n *sitter.Node) []ir.Stmt {
	p := l.pos(n)
	switch l.typ(n) {
	case "expression_statement":
		var out []ir.Stmt
		for _, k := range named(n) {
			out = append(out, l.exprStmt(k)...)
		}
		return out
	case "function_definition":
		return []ir.Stmt{&ir.FuncDef{Pos: p, Fn: l.function(n, nil)}}
	case "decorated_definition":
		var decs []ir.Expr
		for _, k := range named(n) {
			if l.typ(k) == "decorator" {
				if ks := named(k); len(ks) > 0 {
					decs = append(decs, l.expr(ks[0]))
				}
			}
		}
		def := n.ChildByFieldName("definition")
		if def == nil {
			return nil
		}
		switch l.typ(def) {
		case "function_definition":
			return []ir.Stmt{&ir.FuncDef{Pos: l.pos(def), Fn: l.function(def, decs)}}
		case "class_definition":
			return []ir.Stmt{&ir.ClassDef{Pos: l.pos(def), Class: l.class(def)}}
		}
		return nil
	case "class_definition":
		return []ir.Stmt{&ir.ClassDef{Pos: p, Class: l.class(n)}}
	case "if_statement":
		return []ir.Stmt{l.ifStmt(n)}
	case "for_statement":
		f := &ir.For{Pos: p, Target: l.expr(n.ChildByFieldName("left")), Iter: l.expr(n.ChildByFieldName("right")),
			Body: l.block(n.ChildByFieldName("body"))}
		if e := n.ChildByFieldName("alternative"); e != nil {
			f.Else = l.block(e.ChildByFieldName("body"))
		}
		return []ir.Stmt{f}
	case "while_statement":
		w := &ir.While{Pos: p, Test: l.expr(n.ChildByFieldName("condition")), Body: l.block(n.ChildByFieldName("body"))}
		if e := n.ChildByFieldName("alternative"); e != nil {
			w.Else = l.block(e.ChildByFieldName("body"))
		}
		return []ir.Stmt{w}
	case "try_statement":
		t := &ir.Try{Pos: p, Body: l.block(n.ChildByFieldName("body"))}
		for _, k := range named(n) {
			switch l.typ(k) {
			case "except_clause", "except_group_clause":
				h := ir.Handler{}
				for _, kk := range named(k) {
					switch l.typ(kk) {
					case "block":
						h.Body = l.block(kk)
					case "as_pattern":
						ks := named(kk)
						if len(ks) > 0 {
							h.Types = append(h.Types, l.expr(ks[0]))
						}
						if a := kk.ChildByFieldName("alias"); a != nil {
							h.Name = strings.TrimSpace(l.text(a))
						}
					default:
						h.Types = append(h.Types, l.expr(kk))
					}
				}
				t.Handlers = append(t.Handlers, h)
			case "else_clause":
				t.Else = l.block(k.ChildByFieldName("body"))
			case "finally_clause":
				for _, kk := range named(k) {
					if l.typ(kk) == "block" {
						t.Finally = l.block(kk)
					}
				}
			}
		}
		return []ir.Stmt{t}
	case "with_statement":
		w := &ir.With{Pos: p, Body: l.block(n.ChildByFieldName("body"))}
		for _, k := range named(n) {
			if l.typ(k) != "with_clause" {
				continue
			}
			for _, it := range named(k) {
				if l.typ(it) != "with_item" {
					continue
				}
				v := it.ChildByFieldName("value")
				if v == nil {
					continue
				}
				if l.typ(v) == "as_pattern" {
					ks := named(v)
					item := ir.WithItem{}
					if len(ks) > 0 {
						item.Value = l.expr(ks[0])
					}
					if a := v.ChildByFieldName("alias"); a != nil {
						if as := named(a); len(as) > 0 {
							item.Target = l.expr(as[0])
						}
					}
					w.Items = append(w.Items, item)
				} else {
					w.Items = append(w.Items, ir.WithItem{Value: l.expr(v)})
				}
			}
		}
		return []ir.Stmt{w}
	case "match_statement":
		return []ir.Stmt{l.match(n)}
	case "return_statement":
		r := &ir.Return{Pos: p}
		if ks := named(n); len(ks) > 0 {
			r.X = l.exprList(ks[0])
		}
		return []ir.Stmt{r}
	case "raise_statement":
		r := &ir.Raise{Pos: p}
		if ks := named(n); len(ks) > 0 {
			r.X = l.expr(ks[0])
		}
		return []ir.Stmt{r}
	case "break_statement":
		return []ir.Stmt{&ir.Break{Pos: p}}
	case "continue_statement":
		return []ir.Stmt{&ir.Continue{Pos: p}}
	case "pass_statement", "comment", "future_import_statement", "type_alias_statement":
		return nil
	case "import_statement":
		var out []ir.Stmt
		for _, k := range named(n) {
			switch l.typ(k) {
			case "dotted_name":
				out = append(out, &ir.Import{Pos: p, Module: l.text(k)})
			case "aliased_import":
				out = append(out, &ir.Import{Pos: p, Module: l.text(k.ChildByFieldName("name")), Alias: l.text(k.ChildByFieldName("alias"))})
			}
		}
		return out
	case "import_from_statement":
		im := &ir.Import{Pos: p}
		mod := n.ChildByFieldName("module_name")
		if mod != nil {
			im.Module = l.text(mod)
		}
		for _, k := range named(n) {
			if mod != nil && k.Equal(mod) {
				continue
			}
			switch l.typ(k) {
			case "dotted_name":
				im.Names = append(im.Names, ir.ImportName{Name: l.text(k)})
			case "aliased_import":
				im.Names = append(im.Names, ir.ImportName{Name: l.text(k.ChildByFieldName("name")), Alias: l.text(k.ChildByFieldName("alias"))})
			case "wildcard_import":
				im.Names = append(im.Names, ir.ImportName{Name: "*"})
			}
		}
		return []ir.Stmt{im}
	case "global_statement", "nonlocal_statement":
		g := &ir.Global{Pos: p}
		for _, k := range named(n) {
			g.Names = append(g.Names, l.text(k))
		}
		return []ir.Stmt{g}
	case "delete_statement", "assert_statement", "print_statement", "exec_statement":
		var kids []ir.Expr
		for _, k := range named(n) {
			kids = append(kids, l.expr(k))
		}
		return []ir.Stmt{&ir.ExprStmt{Pos: p, X: &ir.Unknown{Pos: p, Kids: kids}}}
	case "block":
		return l.block(n)
	case "ERROR":
		l.errors++
		// Recover what statements tree-sitter could see inside the error.
		var out []ir.Stmt
		for _, k := range named(n) {
			if strings.HasSuffix(l.typ(k), "_statement") || l.typ(k) == "function_definition" || l.typ(k) == "class_definition" {
				out = append(out, l.stmt(k)...)
			}
		}
		return out
	}
	if strings.HasSuffix(l.typ(n), "_statement") {
		return nil
	}
	return l.exprStmt(n)
}

func (l *lowerer) exprStmt(n *sitter.Node) []ir.Stmt {
	p := l.pos(n)
	switch l.typ(n) {
	case "assignment":
		// a = b = c nests: assignment(left=a, right=assignment(left=b, right=c)).
		var targets []ir.Expr
		cur := n
		for cur != nil && l.typ(cur) == "assignment" {
			var left, right *sitter.Node
			if cur.ChildCount() == 3 && l.typ(cur.Child(1)) == "=" { // left "=" right
				left, right = cur.Child(0), cur.Child(2)
			} else {
				left, right = cur.ChildByFieldName("left"), cur.ChildByFieldName("right")
			}
			if left != nil {
				targets = append(targets, l.target(left))
			}
			if right == nil {
				// an annotated declaration without a value: x: int
				return nil
			}
			if l.typ(right) != "assignment" {
				return []ir.Stmt{&ir.Assign{Pos: p, Targets: targets, Value: l.exprList(right)}}
			}
			cur = right
		}
		return nil
	case "augmented_assignment":
		op := ""
		if o := n.ChildByFieldName("operator"); o != nil {
			op = strings.TrimSuffix(l.text(o), "=")
		}
		return []ir.Stmt{&ir.Assign{Pos: p, Targets: []ir.Expr{l.target(n.ChildByFieldName("left"))}, Op: op, Value: l.exprList(n.ChildByFieldName("right"))}}
	}
	return []ir.Stmt{&ir.ExprStmt{Pos: p, X: l.exprList(n)}}
}

// target lowers an assignment target (pattern_list → tuple of targets).
func (l *lowerer) target(n *sitter.Node) ir.Expr {
	switch l.typ(n) {
	case "pattern_list", "tuple_pattern", "list_pattern", "expression_list":
		var elts []ir.Expr
		for _, k := range named(n) {
			elts = append(elts, l.target(k))
		}
		return &ir.Seq{Pos: l.pos(n), Kind: ir.Tuple, Elts: elts}
	case "list_splat_pattern":
		if ks := named(n); len(ks) > 0 {
			return &ir.Star{Pos: l.pos(n), X: l.target(ks[0])}
		}
	}
	return l.expr(n)
}

// exprList lowers an expression_list (a, b) as a tuple and anything else as itself.
func (l *lowerer) exprList(n *sitter.Node) ir.Expr {
	if n == nil {
		return nil
	}
	if l.typ(n) == "expression_list" {
		var elts []ir.Expr
		for _, k := range named(n) {
			elts = append(elts, l.expr(k))
		}
		return &ir.Seq{Pos: l.pos(n), Kind: ir.Tuple, Elts: elts}
	}
	return l.expr(n)
}

func (l *lowerer) function(n *sitter.Node, decs []ir.Expr) *ir.Func {
	f := &ir.Func{Pos: l.pos(n), Decorators: decs}
	if nm := n.ChildByFieldName("name"); nm != nil {
		f.Name = l.text(nm)
	}
	if ps := n.ChildByFieldName("parameters"); ps != nil {
		f.Params = l.params(ps)
	}
	if rt := n.ChildByFieldName("return_type"); rt != nil {
		f.ReturnType = l.text(rt)
	}
	f.Body = l.block(n.ChildByFieldName("body"))
	return f
}

func (l *lowerer) params(n *sitter.Node) []ir.Param {
	var out []ir.Param
	for _, k := range named(n) {
		switch l.typ(k) {
		case "identifier":
			out = append(out, ir.Param{Name: l.text(k)})
		case "typed_parameter":
			pr := ir.Param{}
			if t := k.ChildByFieldName("type"); t != nil {
				pr.Type = l.text(t)
			}
			for _, kk := range named(k) {
				switch l.typ(kk) {
				case "identifier":
					if pr.Name == "" {
						pr.Name = l.text(kk)
					}
				case "list_splat_pattern":
					pr.Star = true
					pr.Name = strings.TrimLeft(l.text(kk), "*")
				case "dictionary_splat_pattern":
					pr.DStar = true
					pr.Name = strings.TrimLeft(l.text(kk), "*")
				}
			}
			out = append(out, pr)
		case "default_parameter", "typed_default_parameter":
			pr := ir.Param{Name: l.text(k.ChildByFieldName("name")), Default: l.expr(k.ChildByFieldName("value"))}
			if t := k.ChildByFieldName("type"); t != nil {
				pr.Type = l.text(t)
			}
			out = append(out, pr)
		case "list_splat_pattern":
			out = append(out, ir.Param{Name: strings.TrimLeft(l.text(k), "*"), Star: true})
		case "dictionary_splat_pattern":
			out = append(out, ir.Param{Name: strings.TrimLeft(l.text(k), "*"), DStar: true})
		}
	}
	return out
}

func (l *lowerer) class(n *sitter.Node) *ir.Class {
	c := &ir.Class{Pos: l.pos(n)}
	if nm := n.ChildByFieldName("name"); nm != nil {
		c.Name = l.text(nm)
	}
	if sc := n.ChildByFieldName("superclasses"); sc != nil {
		for _, k := range named(sc) {
			if l.typ(k) != "keyword_argument" {
				c.Bases = append(c.Bases, l.expr(k))
			}
		}
	}
	for _, s := range l.block(n.ChildByFieldName("body")) {
		switch d := s.(type) {
		case *ir.FuncDef:
			d.Fn.Class = c
			c.Methods = append(c.Methods, d.Fn)
		case *ir.ClassDef:
			c.Classes = append(c.Classes, d.Class)
		default:
			c.Body = append(c.Body, s)
		}
	}
	return c
}

func (l *lowerer) ifStmt(n *sitter.Node) ir.Stmt {
	root := &ir.If{Pos: l.pos(n), Test: l.expr(n.ChildByFieldName("condition")), Then: l.block(n.ChildByFieldName("consequence"))}
	cur := root
	for _, k := range named(n) {
		switch l.typ(k) {
		case "elif_clause":
			e := &ir.If{Pos: l.pos(k), Test: l.expr(k.ChildByFieldName("condition")), Then: l.block(k.ChildByFieldName("consequence"))}
			cur.Else = []ir.Stmt{e}
			cur = e
		case "else_clause":
			cur.Else = l.block(k.ChildByFieldName("body"))
		}
	}
	return root
}

func (l *lowerer) match(n *sitter.Node) ir.Stmt {
	s := &ir.Switch{Pos: l.pos(n)}
	if sub := n.ChildByFieldName("subject"); sub != nil {
		s.Subject = l.expr(sub)
	}
	body := n.ChildByFieldName("body")
	if body == nil {
		return s
	}
	for _, c := range named(body) {
		if l.typ(c) != "case_clause" {
			continue
		}
		cs := ir.Case{}
		wild := false
		for _, k := range named(c) {
			switch l.typ(k) {
			case "case_pattern":
				vals, w := l.casePattern(k)
				cs.Values = append(cs.Values, vals...)
				wild = wild || w
			case "if_clause":
				if ks := named(k); len(ks) > 0 {
					cs.Guard = l.expr(ks[0])
				}
			case "block":
				cs.Body = l.block(k)
			}
		}
		if c := c.ChildByFieldName("consequence"); c != nil && cs.Body == nil {
			cs.Body = l.block(c)
		}
		if wild {
			cs.Values = nil
		} else if len(cs.Values) == 0 {
			// a capture or class pattern: matches what we cannot tell; keep as default-like unknown
			cs.Values = []ir.Expr{&ir.Unknown{Pos: l.pos(c)}}
		}
		s.Cases = append(s.Cases, cs)
	}
	return s
}

// casePattern returns the literal values a case pattern matches, and
// whether it is a wildcard (matches anything).
func (l *lowerer) casePattern(n *sitter.Node) ([]ir.Expr, bool) {
	switch l.typ(n) {
	case "string", "integer", "float", "true", "false", "none", "concatenated_string":
		return []ir.Expr{l.expr(n)}, false
	}
	ks := named(n)
	if len(ks) == 0 {
		return nil, true // "_"
	}
	var vals []ir.Expr
	for _, k := range ks {
		switch l.typ(k) {
		case "union_pattern":
			for _, kk := range named(k) {
				v, w := l.casePattern(kk)
				if w {
					return nil, true
				}
				vals = append(vals, v...)
			}
		case "case_pattern":
			v, w := l.casePattern(k)
			if w {
				return nil, true
			}
			vals = append(vals, v...)
		case "string", "integer", "float", "true", "false", "none", "concatenated_string":
			vals = append(vals, l.expr(k))
		case "dotted_name":
			if len(named(k)) == 1 {
				return nil, true // a capture pattern binds anything
			}
			vals = append(vals, &ir.Unknown{Pos: l.pos(k)})
		default:
			vals = append(vals, &ir.Unknown{Pos: l.pos(k)})
		}
	}
	return vals, false
}

func (l *lowerer) expr(n *sitter.Node) ir.Expr {
	if n == nil {
		return nil
	}
	p := l.pos(n)
	switch l.typ(n) {
	case "identifier":
		return &ir.Name{Pos: p, ID: l.text(n)}
	case "dotted_name":
		var x ir.Expr
		for _, k := range named(n) {
			if x == nil {
				x = &ir.Name{Pos: l.pos(k), ID: l.text(k)}
			} else {
				x = &ir.Attr{Pos: l.pos(k), X: x, Name: l.text(k)}
			}
		}
		return x
	case "integer":
		t := strings.ReplaceAll(strings.ToLower(l.text(n)), "_", "")
		t = strings.TrimSuffix(t, "l")
		if v, err := strconv.ParseInt(t, 0, 64); err == nil {
			return &ir.Const{Pos: p, Value: v}
		}
		return &ir.Unknown{Pos: p}
	case "float":
		if v, err := strconv.ParseFloat(strings.ReplaceAll(l.text(n), "_", ""), 64); err == nil {
			return &ir.Const{Pos: p, Value: v}
		}
		return &ir.Unknown{Pos: p}
	case "true":
		return &ir.Const{Pos: p, Value: true}
	case "false":
		return &ir.Const{Pos: p, Value: false}
	case "none":
		return &ir.Const{Pos: p, Value: nil}
	case "string":
		return l.str(n)
	case "concatenated_string":
		var parts []ir.Expr
		for _, k := range named(n) {
			parts = append(parts, l.str(k))
		}
		return concat(p, parts)
	case "attribute":
		// attribute: object "." attribute
		var obj, attr *sitter.Node
		if n.NamedChildCount() == 2 {
			obj, attr = n.NamedChild(0), n.NamedChild(1)
		} else {
			obj, attr = n.ChildByFieldName("object"), n.ChildByFieldName("attribute")
		}
		if attr == nil {
			return &ir.Unknown{Pos: p}
		}
		return &ir.Attr{Pos: l.pos(attr), X: l.expr(obj), Name: l.text(attr)}
	case "subscript":
		x := l.expr(n.NamedChild(0)) // the value comes first
		subs := []*sitter.Node{}
		for i := 0; i < int(n.ChildCount()); i++ {
			if n.FieldNameForChild(i) == "subscript" {
				subs = append(subs, n.Child(i))
			}
		}
		if len(subs) == 1 && subs[0].Type() == "slice" {
			s := &ir.Slice{Pos: p, X: x}
			l.sliceBounds(subs[0], s)
			return s
		}
		if len(subs) == 1 {
			return &ir.Index{Pos: p, X: x, Index: l.expr(subs[0])}
		}
		var elts []ir.Expr
		for _, k := range subs {
			elts = append(elts, l.expr(k))
		}
		return &ir.Index{Pos: p, X: x, Index: &ir.Seq{Pos: p, Kind: ir.Tuple, Elts: elts}}
	case "call":
		// call: function arguments
		var fn, args *sitter.Node
		if n.NamedChildCount() == 2 {
			fn, args = n.NamedChild(0), n.NamedChild(1)
		} else {
			fn, args = n.ChildByFieldName("function"), n.ChildByFieldName("arguments")
		}
		c := &ir.Call{Pos: p, Fn: l.expr(fn)}
		if args != nil {
			if l.typ(args) == "generator_expression" {
				c.Args = []ir.Expr{l.expr(args)}
			} else {
				for _, k := range named(args) {
					switch l.typ(k) {
					case "keyword_argument":
						if k.NamedChildCount() == 2 {
							c.Kw = append(c.Kw, ir.Keyword{Name: l.text(k.NamedChild(0)), Value: l.expr(k.NamedChild(1))})
						} else {
							c.Kw = append(c.Kw, ir.Keyword{Name: l.text(k.ChildByFieldName("name")), Value: l.expr(k.ChildByFieldName("value"))})
						}
					case "dictionary_splat":
						if ks := named(k); len(ks) > 0 {
							c.Kw = append(c.Kw, ir.Keyword{Value: l.expr(ks[0])})
						}
					default:
						c.Args = append(c.Args, l.expr(k))
					}
				}
			}
		}
		return c
	case "list_splat", "dictionary_splat":
		if ks := named(n); len(ks) > 0 {
			return &ir.Star{Pos: p, X: l.expr(ks[0]), Double: l.typ(n) == "dictionary_splat"}
		}
		return &ir.Unknown{Pos: p}
	case "binary_operator", "boolean_operator":
		// left operator right
		if n.ChildCount() == 3 {
			return &ir.Binary{Pos: p, Op: l.text(n.Child(1)), X: l.expr(n.Child(0)), Y: l.expr(n.Child(2))}
		}
		op := ""
		if o := n.ChildByFieldName("operator"); o != nil {
			op = l.text(o)
		}
		return &ir.Binary{Pos: p, Op: op, X: l.expr(n.ChildByFieldName("left")), Y: l.expr(n.ChildByFieldName("right"))}
	case "not_operator":
		return &ir.Unary{Pos: p, Op: "not", X: l.expr(n.ChildByFieldName("argument"))}
	case "unary_operator":
		op := ""
		if o := n.ChildByFieldName("operator"); o != nil {
			op = l.text(o)
		}
		return &ir.Unary{Pos: p, Op: op, X: l.expr(n.ChildByFieldName("argument"))}
	case "comparison_operator":
		return l.comparison(n)
	case "conditional_expression":
		ks := named(n)
		if len(ks) == 3 {
			return &ir.Cond{Pos: p, Then: l.expr(ks[0]), Test: l.expr(ks[1]), Else: l.expr(ks[2])}
		}
	case "parenthesized_expression":
		if ks := named(n); len(ks) == 1 {
			return l.expr(ks[0])
		}
	case "list", "tuple", "set", "expression_list", "pattern_list", "tuple_pattern", "list_pattern":
		kind := ir.List
		switch l.typ(n) {
		case "tuple", "expression_list", "pattern_list", "tuple_pattern":
			kind = ir.Tuple
		case "set":
			kind = ir.Set
		}
		var elts []ir.Expr
		for _, k := range named(n) {
			elts = append(elts, l.expr(k))
		}
		return &ir.Seq{Pos: p, Kind: kind, Elts: elts}
	case "dictionary":
		d := &ir.Dict{Pos: p}
		for _, k := range named(n) {
			switch l.typ(k) {
			case "pair":
				if k.NamedChildCount() == 2 {
					d.Keys = append(d.Keys, l.expr(k.NamedChild(0)))
					d.Values = append(d.Values, l.expr(k.NamedChild(1)))
				} else {
					d.Keys = append(d.Keys, l.expr(k.ChildByFieldName("key")))
					d.Values = append(d.Values, l.expr(k.ChildByFieldName("value")))
				}
			case "dictionary_splat":
				if ks := named(k); len(ks) > 0 {
					d.Keys = append(d.Keys, nil)
					d.Values = append(d.Values, l.expr(ks[0]))
				}
			}
		}
		return d
	case "list_comprehension", "set_comprehension", "generator_expression", "dictionary_comprehension":
		return l.comprehension(n)
	case "lambda":
		f := &ir.Func{Pos: p, Name: "<lambda>"}
		if ps := n.ChildByFieldName("parameters"); ps != nil {
			f.Params = l.params(ps)
		}
		if b := n.ChildByFieldName("body"); b != nil {
			f.Body = []ir.Stmt{&ir.Return{Pos: l.pos(b), X: l.expr(b)}}
		}
		return &ir.Lambda{Pos: p, Fn: f}
	case "named_expression":
		return &ir.AssignExpr{Pos: p, Target: l.expr(n.ChildByFieldName("name")), Value: l.expr(n.ChildByFieldName("value"))}
	case "yield":
		// yield x / yield from xs: what the generator produces
		c := &ir.Call{Pos: p, Fn: &ir.Name{Pos: p, ID: YieldName}}
		for _, k := range named(n) {
			c.Args = append(c.Args, l.exprList(k))
		}
		if strings.Contains(l.text(n)[:min(len(l.text(n)), 11)], "from") {
			c.Kw = []ir.Keyword{{Name: "from", Value: &ir.Const{Pos: p, Value: true}}}
		}
		return c
	case "await", "keyword_separator", "positional_separator":
		if ks := named(n); len(ks) == 1 {
			return l.expr(ks[0])
		}
	case "as_pattern":
		if ks := named(n); len(ks) > 0 {
			return l.expr(ks[0])
		}
	case "ERROR":
		l.errors++
	}
	var kids []ir.Expr
	for _, k := range named(n) {
		kids = append(kids, l.expr(k))
	}
	return &ir.Unknown{Pos: p, Kids: kids}
}

func (l *lowerer) sliceBounds(n *sitter.Node, s *ir.Slice) {
	// slice children: [start] ':' [stop] [':' [step]]
	colons := 0
	for i := 0; i < int(n.ChildCount()); i++ {
		k := n.Child(i)
		if !k.IsNamed() {
			if l.text(k) == ":" {
				colons++
			}
			continue
		}
		switch colons {
		case 0:
			s.Lo = l.expr(k)
		case 1:
			s.Hi = l.expr(k)
		}
	}
}

// comparison lowers a (possibly chained) comparison: a < b < c is a < b and b < c.
func (l *lowerer) comparison(n *sitter.Node) ir.Expr {
	var operands []ir.Expr
	var ops []string
	pending := ""
	for i := 0; i < int(n.ChildCount()); i++ {
		k := n.Child(i)
		if k.IsNamed() {
			if l.typ(k) == "comment" {
				continue
			}
			if pending != "" {
				ops = append(ops, pending)
				pending = ""
			}
			operands = append(operands, l.expr(k))
			continue
		}
		t := l.text(k)
		if pending != "" {
			pending += " " + t
		} else {
			pending = t
		}
	}
	if len(operands) < 2 || len(ops) != len(operands)-1 {
		return &ir.Unknown{Pos: l.pos(n), Kids: operands}
	}
	var out ir.Expr
	for i, op := range ops {
		c := &ir.Binary{Pos: l.pos(n), Op: op, X: operands[i], Y: operands[i+1]}
		if out == nil {
			out = c
		} else {
			out = &ir.Binary{Pos: l.pos(n), Op: "and", X: out, Y: c}
		}
	}
	return out
}

func (l *lowerer) comprehension(n *sitter.Node) ir.Expr {
	c := &ir.Comp{Pos: l.pos(n)}
	switch l.typ(n) {
	case "list_comprehension":
		c.Kind = ir.List
	case "set_comprehension":
		c.Kind = ir.Set
	case "generator_expression":
		c.Kind = ir.Generator
	case "dictionary_comprehension":
		c.Kind = ir.DictComp
	}
	body := n.ChildByFieldName("body")
	if body != nil {
		if l.typ(body) == "pair" {
			c.Key = l.expr(body.ChildByFieldName("key"))
			c.Elt = l.expr(body.ChildByFieldName("value"))
		} else {
			c.Elt = l.expr(body)
		}
	}
	for _, k := range named(n) {
		switch l.typ(k) {
		case "for_in_clause":
			c.Fors = append(c.Fors, ir.CompFor{Target: l.target(k.ChildByFieldName("left")), Iter: l.expr(k.ChildByFieldName("right"))})
		case "if_clause":
			if len(c.Fors) > 0 {
				if ks := named(k); len(ks) > 0 {
					last := &c.Fors[len(c.Fors)-1]
					last.Ifs = append(last.Ifs, l.expr(ks[0]))
				}
			}
		}
	}
	return c
}

// str lowers one string literal: a constant, or a Concat for an f-string.
func (l *lowerer) str(n *sitter.Node) ir.Expr {
	p := l.pos(n)
	if l.typ(n) != "string" {
		return l.expr(n)
	}
	text := l.text(n)
	q := strings.IndexAny(text, `'"`)
	if q < 0 {
		return &ir.Const{Pos: p, Value: ""}
	}
	prefix := strings.ToLower(text[:q])
	raw := strings.Contains(prefix, "r")
	interpolated := strings.Contains(prefix, "f") || strings.Contains(prefix, "t")
	if !interpolated {
		// a plain literal: decode it here, without visiting its children
		if v, ok := literal(text[q:], raw); ok {
			return &ir.Const{Pos: p, Value: v}
		}
	}
	var parts []ir.Expr
	var sb strings.Builder
	flush := func() {
		if sb.Len() > 0 {
			parts = append(parts, &ir.Const{Pos: p, Value: sb.String()})
			sb.Reset()
		}
	}
	for i := 0; i < int(n.ChildCount()); i++ {
		k := n.Child(i)
		switch l.typ(k) {
		case "string_content":
			// string_content may contain escape_sequence children
			start := k.StartByte()
			for j := 0; j < int(k.ChildCount()); j++ {
				e := k.Child(j)
				sb.Write(l.src[start:e.StartByte()])
				if raw {
					sb.WriteString(l.text(e))
				} else {
					sb.WriteString(unescape(l.text(e)))
				}
				start = e.EndByte()
			}
			sb.Write(l.src[start:k.EndByte()])
		case "escape_sequence":
			if raw {
				sb.WriteString(l.text(k))
			} else {
				sb.WriteString(unescape(l.text(k)))
			}
		case "interpolation":
			if !interpolated {
				sb.WriteString(l.text(k))
				continue
			}
			flush()
			if e := k.ChildByFieldName("expression"); e != nil {
				parts = append(parts, l.exprList(e))
			}
		}
	}
	flush()
	if !interpolated {
		s := ""
		for _, x := range parts {
			s += x.(*ir.Const).Value.(string)
		}
		return &ir.Const{Pos: p, Value: s}
	}
	return concat(p, parts)
}

func concat(p ir.Pos, parts []ir.Expr) ir.Expr {
	all := true
	s := ""
	for _, x := range parts {
		c, ok := x.(*ir.Const)
		if !ok {
			all = false
			break
		}
		if str, ok := c.Value.(string); ok {
			s += str
		} else {
			all = false
			break
		}
	}
	if all {
		return &ir.Const{Pos: p, Value: s}
	}
	return &ir.Concat{Pos: p, Parts: parts}
}

func unescape(e string) string {
	if len(e) < 2 {
		return e
	}
	switch e[1] {
	case 'n':
		return "\n"
	case 't':
		return "\t"
	case 'r':
		return "\r"
	case '0':
		return "\x00"
	case '\\', '\'', '"':
		return e[1:2]
	case '\n':
		return ""
	case 'x':
		if v, err := strconv.ParseUint(e[2:], 16, 8); err == nil {
			return string(rune(v))
		}
	case 'u', 'U':
		if v, err := strconv.ParseUint(e[2:], 16, 32); err == nil {
			return string(rune(v))
		}
	}
	return e
}

// literal decodes a quoted Python string literal body ('..', "..", ”'..”').
func literal(t string, raw bool) (string, bool) {
	quote := t[:1]
	if strings.HasPrefix(t, quote+quote+quote) && len(t) >= 6 {
		quote = t[:3]
	}
	if len(t) < 2*len(quote) || !strings.HasSuffix(t, quote) {
		return "", false
	}
	body := t[len(quote) : len(t)-len(quote)]
	if raw || !strings.Contains(body, "\\") {
		return body, true
	}
	var sb strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 == len(body) {
			sb.WriteByte(c)
			continue
		}
		n := 2
		switch body[i+1] {
		case 'x':
			n = 4
		case 'u':
			n = 6
		case 'U':
			n = 10
		}
		if i+n > len(body) {
			n = len(body) - i
		}
		sb.WriteString(unescape(body[i : i+n]))
		i += n - 1
	}
	return sb.String(), true
}

// symbolNames maps the grammar's symbols to their names once, so reading a
// node's type costs no allocation.
var symbolNames = sync.OnceValue(func() []string {
	lang := tspython.GetLanguage()
	n := lang.SymbolCount()
	out := make([]string, n)
	for i := uint32(0); i < n; i++ {
		out[i] = lang.SymbolName(sitter.Symbol(i))
	}
	return out
})

// typ is n.Type() without the allocation.
func (l *lowerer) typ(n *sitter.Node) string {
	s := int(n.Symbol())
	if names := symbolNames(); s < len(names) {
		return names[s]
	}
	return n.Type()
}
