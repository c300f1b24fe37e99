//go:build cgo

// Package java is tend review's Java front end: it parses a file with
// tree-sitter's Java grammar and lowers classes, fields, methods and
// constructors into the ir package. Classic for loops become a while loop
// after their initialiser; try-with-resources becomes assignments at the
// start of the try; switch keeps Java's fall-through. Anonymous class
// bodies, generics beyond the type's name and annotations' arguments are
// dropped.
package java

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"
	tsjava "github.com/smacker/go-tree-sitter/java"

	"github.com/tendhq/tend/internal/review/ir"
)

// Parse parses Java source and lowers it. The module's Name is
// package.Class of the file's first type.
func Parse(ctx context.Context, path string, src []byte) (*ir.Module, error) {
	p := sitter.NewParser()
	defer p.Close()
	p.SetLanguage(tsjava.GetLanguage())
	tree, err := p.ParseCtx(ctx, nil, src)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	defer tree.Close()
	l := &lowerer{src: src}
	m := &ir.Module{Path: path, Lang: ir.Java}
	root := tree.RootNode()
	for _, n := range named(root) {
		switch l.typ(n) {
		case "package_declaration":
			for _, k := range named(n) {
				if l.typ(k) == "scoped_identifier" || l.typ(k) == "identifier" {
					m.Package = l.text(k)
				}
			}
		case "import_declaration":
			im := &ir.Import{Pos: l.pos(n)}
			for _, k := range named(n) {
				switch l.typ(k) {
				case "scoped_identifier", "identifier":
					im.Module = l.text(k)
				case "asterisk":
					im.Names = []ir.ImportName{{Name: "*"}}
				}
			}
			m.Body = append(m.Body, im)
		case "class_declaration", "interface_declaration", "enum_declaration", "record_declaration":
			c := l.class(n)
			if m.Name == "" {
				m.Name = c.Name
				if m.Package != "" {
					m.Name = m.Package + "." + c.Name
				}
			}
			m.Body = append(m.Body, &ir.ClassDef{Pos: c.Pos, Class: c})
		case "ERROR":
			l.errors++
		}
	}
	m.Errors = l.errors
	return m, nil
}

type lowerer struct {
	src    []byte
	errors int
}

func (l *lowerer) pos(n *sitter.Node) ir.Pos {
	p := n.StartPoint()
	return ir.Pos{Line: int(p.Row) + 1, Col: int(p.Column) + 1}
}

func (l *lowerer) text(n *sitter.Node) string {
	if n == nil {
		return ""
	}
	return n.Content(l.src)
}

func named(n *sitter.Node) []*sitter.Node {
	if n == nil {
		return nil
	}
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

// modifiers returns the annotations' simple names and whether static/final are present.
func (l *lowerer) modifiers(n *sitter.Node) (annots []string, static, final bool) {
	for _, k := range named(n) {
		if l.typ(k) != "modifiers" {
			continue
		}
		for i := 0; i < int(k.ChildCount()); i++ {
			c := k.Child(i)
			switch l.typ(c) {
			case "static":
				static = true
			case "final":
				final = true
			case "marker_annotation", "annotation":
				name := l.text(c.ChildByFieldName("name"))
				if j := strings.LastIndexByte(name, '.'); j >= 0 {
					name = name[j+1:]
				}
				annots = append(annots, name)
			}
		}
	}
	return
}

func (l *lowerer) class(n *sitter.Node) *ir.Class {
	c := &ir.Class{Pos: l.pos(n), Name: l.text(n.ChildByFieldName("name"))}
	if sc := n.ChildByFieldName("superclass"); sc != nil {
		for _, k := range named(sc) {
			c.Bases = append(c.Bases, &ir.Name{Pos: l.pos(k), ID: baseType(l.text(k))})
		}
	}
	body := n.ChildByFieldName("body")
	for _, k := range named(body) {
		switch l.typ(k) {
		case "field_declaration", "constant_declaration":
			_, static, final := l.modifiers(k)
			typ := l.text(k.ChildByFieldName("type"))
			for _, d := range named(k) {
				if l.typ(d) != "variable_declarator" {
					continue
				}
				f := ir.Field{Pos: l.pos(d), Name: l.text(d.ChildByFieldName("name")), Type: typ, Static: static || l.typ(k) == "constant_declaration", Final: final}
				if v := d.ChildByFieldName("value"); v != nil {
					f.Init = l.expr(v)
				}
				c.Fields = append(c.Fields, f)
			}
		case "method_declaration", "constructor_declaration", "compact_constructor_declaration":
			fn := l.method(k)
			fn.Class = c
			if l.typ(k) != "method_declaration" {
				fn.Name = c.Name
			}
			c.Methods = append(c.Methods, fn)
		case "class_declaration", "interface_declaration", "enum_declaration", "record_declaration":
			c.Classes = append(c.Classes, l.class(k))
		case "static_initializer", "block":
			c.Body = append(c.Body, l.block(k)...)
		case "enum_body_declarations":
			for _, kk := range named(k) {
				if l.typ(kk) == "method_declaration" {
					fn := l.method(kk)
					fn.Class = c
					c.Methods = append(c.Methods, fn)
				}
			}
		}
	}
	return c
}

func baseType(t string) string {
	if i := strings.IndexByte(t, '<'); i >= 0 {
		t = t[:i]
	}
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		t = t[i+1:]
	}
	return t
}

func (l *lowerer) method(n *sitter.Node) *ir.Func {
	annots, static, _ := l.modifiers(n)
	fn := &ir.Func{Pos: l.pos(n), Name: l.text(n.ChildByFieldName("name")), Annotations: annots, Static: static}
	if t := n.ChildByFieldName("type"); t != nil {
		fn.ReturnType = l.text(t)
	}
	if ps := n.ChildByFieldName("parameters"); ps != nil {
		fn.Params, fn.ParamAnnotations = l.params(ps)
	}
	if b := n.ChildByFieldName("body"); b != nil {
		fn.Body = l.block(b)
	}
	return fn
}

func (l *lowerer) params(n *sitter.Node) ([]ir.Param, [][]string) {
	var ps []ir.Param
	var ann [][]string
	for _, k := range named(n) {
		switch l.typ(k) {
		case "formal_parameter":
			a, _, _ := l.modifiers(k)
			ps = append(ps, ir.Param{Name: l.text(k.ChildByFieldName("name")), Type: l.text(k.ChildByFieldName("type"))})
			ann = append(ann, a)
		case "spread_parameter":
			a, _, _ := l.modifiers(k)
			p := ir.Param{Star: true}
			for _, kk := range named(k) {
				switch l.typ(kk) {
				case "variable_declarator":
					p.Name = l.text(kk.ChildByFieldName("name"))
				case "modifiers":
				default:
					p.Type = l.text(kk) + "[]"
				}
			}
			ps = append(ps, p)
			ann = append(ann, a)
		case "identifier": // lambda parameters
			ps = append(ps, ir.Param{Name: l.text(k)})
			ann = append(ann, nil)
		case "inferred_parameters":
			for _, kk := range named(k) {
				ps = append(ps, ir.Param{Name: l.text(kk)})
				ann = append(ann, nil)
			}
		}
	}
	return ps, ann
}

func (l *lowerer) block(n *sitter.Node) []ir.Stmt {
	if n == nil {
		return nil
	}
	if l.typ(n) != "block" && l.typ(n) != "constructor_body" && l.typ(n) != "static_initializer" && l.typ(n) != "switch_block_statement_group" {
		return l.stmt(n)
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
	case "block", "static_initializer":
		return []ir.Stmt{&ir.Block{Pos: p, Body: l.block(n)}}
	case "local_variable_declaration":
		return l.localVars(n)
	case "expression_statement":
		var out []ir.Stmt
		for _, k := range named(n) {
			out = append(out, l.exprStmt(k))
		}
		return out
	case "if_statement":
		s := &ir.If{Pos: p, Test: l.cond(n.ChildByFieldName("condition")), Then: l.body(n.ChildByFieldName("consequence"))}
		if a := n.ChildByFieldName("alternative"); a != nil {
			s.Else = l.body(a)
		}
		return []ir.Stmt{s}
	case "while_statement":
		return []ir.Stmt{&ir.While{Pos: p, Test: l.cond(n.ChildByFieldName("condition")), Body: l.body(n.ChildByFieldName("body"))}}
	case "do_statement":
		return []ir.Stmt{&ir.While{Pos: p, Test: l.cond(n.ChildByFieldName("condition")), Body: l.body(n.ChildByFieldName("body")), DoWhile: true}}
	case "for_statement":
		var init []ir.Stmt
		var update []ir.Stmt
		var test ir.Expr = &ir.Const{Pos: p, Value: true}
		for i := 0; i < int(n.ChildCount()); i++ {
			k := n.Child(i)
			switch n.FieldNameForChild(i) {
			case "init":
				if l.typ(k) == "local_variable_declaration" {
					init = append(init, l.localVars(k)...)
				} else {
					init = append(init, l.exprStmt(k))
				}
			case "condition":
				test = l.expr(k)
			case "update":
				update = append(update, l.exprStmt(k))
			}
		}
		body := append(l.body(n.ChildByFieldName("body")), update...)
		return []ir.Stmt{&ir.Block{Pos: p, Body: append(init, &ir.While{Pos: p, Test: test, Body: body})}}
	case "enhanced_for_statement":
		name := n.ChildByFieldName("name")
		target := &ir.Name{Pos: l.pos(name), ID: l.text(name)}
		return []ir.Stmt{
			&ir.For{Pos: p, Target: target, Iter: l.expr(n.ChildByFieldName("value")), Body: l.body(n.ChildByFieldName("body"))},
		}
	case "return_statement":
		r := &ir.Return{Pos: p}
		if ks := named(n); len(ks) > 0 {
			r.X = l.expr(ks[0])
		}
		return []ir.Stmt{r}
	case "yield_statement":
		r := &ir.ExprStmt{Pos: p}
		if ks := named(n); len(ks) > 0 {
			r.X = l.expr(ks[0])
		}
		return []ir.Stmt{r}
	case "throw_statement":
		r := &ir.Raise{Pos: p}
		if ks := named(n); len(ks) > 0 {
			r.X = l.expr(ks[0])
		}
		return []ir.Stmt{r}
	case "break_statement":
		return []ir.Stmt{&ir.Break{Pos: p}}
	case "continue_statement":
		return []ir.Stmt{&ir.Continue{Pos: p}}
	case "try_statement", "try_with_resources_statement":
		t := &ir.Try{Pos: p}
		if rs := n.ChildByFieldName("resources"); rs != nil {
			for _, r := range named(rs) {
				if l.typ(r) != "resource" {
					continue
				}
				if v := r.ChildByFieldName("value"); v != nil {
					nm := r.ChildByFieldName("name")
					t.Body = append(t.Body, &ir.Assign{Pos: l.pos(r), Targets: []ir.Expr{&ir.Name{Pos: l.pos(nm), ID: l.text(nm)}},
						Value: l.expr(v), Type: l.text(r.ChildByFieldName("type"))})
				} else if ks := named(r); len(ks) > 0 {
					t.Body = append(t.Body, &ir.ExprStmt{Pos: l.pos(r), X: l.expr(ks[len(ks)-1])})
				}
			}
		}
		t.Body = append(t.Body, l.body(n.ChildByFieldName("body"))...)
		for _, k := range named(n) {
			switch l.typ(k) {
			case "catch_clause":
				h := ir.Handler{Body: l.body(k.ChildByFieldName("body"))}
				for _, kk := range named(k) {
					if l.typ(kk) == "catch_formal_parameter" {
						h.Name = l.text(kk.ChildByFieldName("name"))
					}
				}
				t.Handlers = append(t.Handlers, h)
			case "finally_clause":
				for _, kk := range named(k) {
					if l.typ(kk) == "block" {
						t.Finally = l.block(kk)
					}
				}
			}
		}
		return []ir.Stmt{t}
	case "switch_expression", "switch_statement":
		return []ir.Stmt{l.switchStmt(n)}
	case "synchronized_statement", "labeled_statement":
		var out []ir.Stmt
		for _, k := range named(n) {
			if l.typ(k) == "block" || strings.HasSuffix(l.typ(k), "_statement") {
				out = append(out, l.stmt(k)...)
			}
		}
		return out
	case "explicit_constructor_invocation":
		return nil
	case "class_declaration", "local_class_declaration":
		return nil
	case "assert_statement":
		return nil
	case ";", "empty_statement":
		return nil
	case "ERROR":
		l.errors++
		var out []ir.Stmt
		for _, k := range named(n) {
			if strings.HasSuffix(l.typ(k), "_statement") || l.typ(k) == "local_variable_declaration" {
				out = append(out, l.stmt(k)...)
			}
		}
		return out
	}
	return []ir.Stmt{&ir.ExprStmt{Pos: p, X: l.expr(n)}}
}

func (l *lowerer) body(n *sitter.Node) []ir.Stmt {
	if n == nil {
		return nil
	}
	if l.typ(n) == "block" {
		return l.block(n)
	}
	return l.stmt(n)
}

func (l *lowerer) cond(n *sitter.Node) ir.Expr {
	if n == nil {
		return &ir.Unknown{}
	}
	if l.typ(n) == "parenthesized_expression" {
		if ks := named(n); len(ks) == 1 {
			return l.expr(ks[0])
		}
	}
	return l.expr(n)
}

func (l *lowerer) localVars(n *sitter.Node) []ir.Stmt {
	typ := l.text(n.ChildByFieldName("type"))
	var out []ir.Stmt
	for _, d := range named(n) {
		if l.typ(d) != "variable_declarator" {
			continue
		}
		nm := d.ChildByFieldName("name")
		dt := typ
		if dims := d.ChildByFieldName("dimensions"); dims != nil {
			dt += l.text(dims)
		}
		a := &ir.Assign{Pos: l.pos(d), Targets: []ir.Expr{&ir.Name{Pos: l.pos(nm), ID: l.text(nm)}}, Type: dt}
		if v := d.ChildByFieldName("value"); v != nil {
			a.Value = l.expr(v)
		}
		out = append(out, a)
	}
	return out
}

func (l *lowerer) exprStmt(n *sitter.Node) ir.Stmt {
	p := l.pos(n)
	switch l.typ(n) {
	case "assignment_expression":
		op := strings.TrimSuffix(l.text(n.ChildByFieldName("operator")), "=")
		return &ir.Assign{Pos: p, Targets: []ir.Expr{l.expr(n.ChildByFieldName("left"))}, Op: op, Value: l.expr(n.ChildByFieldName("right"))}
	case "update_expression":
		if ks := named(n); len(ks) == 1 {
			op := "+"
			if strings.Contains(l.text(n), "--") {
				op = "-"
			}
			return &ir.Assign{Pos: p, Targets: []ir.Expr{l.expr(ks[0])}, Op: op, Value: &ir.Const{Pos: p, Value: int64(1)}}
		}
	}
	return &ir.ExprStmt{Pos: p, X: l.expr(n)}
}

func (l *lowerer) switchStmt(n *sitter.Node) ir.Stmt {
	s := &ir.Switch{Pos: l.pos(n), Subject: l.cond(n.ChildByFieldName("condition")), Fallthrough: true}
	body := n.ChildByFieldName("body")
	for _, g := range named(body) {
		switch l.typ(g) {
		case "switch_block_statement_group":
			c := ir.Case{}
			isDefault := false
			var stmts []ir.Stmt
			for _, k := range named(g) {
				if l.typ(k) == "switch_label" {
					ks := named(k)
					if len(ks) == 0 {
						isDefault = true
					}
					for _, v := range ks {
						c.Values = append(c.Values, l.expr(v))
					}
					continue
				}
				stmts = append(stmts, l.stmt(k)...)
			}
			if isDefault {
				c.Values = nil
			}
			c.Body = stmts
			s.Cases = append(s.Cases, c)
		case "switch_rule":
			// case X -> ...: no fall-through
			c := ir.Case{}
			isDefault := false
			for _, k := range named(g) {
				if l.typ(k) == "switch_label" {
					ks := named(k)
					if len(ks) == 0 {
						isDefault = true
					}
					for _, v := range ks {
						c.Values = append(c.Values, l.expr(v))
					}
					continue
				}
				c.Body = append(c.Body, l.body(k)...)
			}
			c.Body = append(c.Body, &ir.Break{Pos: l.pos(g)})
			if isDefault {
				c.Values = nil
			}
			s.Cases = append(s.Cases, c)
		}
	}
	return s
}

// switchExpr lowers a switch expression (case A, B -> value) to nested
// conditionals, so a constant subject picks its arm as a statement switch
// does. An arm that is a block yields the join of its yields; one that
// throws has no value.
func (l *lowerer) switchExpr(n *sitter.Node) ir.Expr {
	p := l.pos(n)
	subject := n.ChildByFieldName("condition")
	type arm struct {
		values []ir.Expr
		x      ir.Expr
	}
	var arms []arm
	var def ir.Expr = &ir.Unknown{Pos: p}
	for _, g := range named(n.ChildByFieldName("body")) {
		var a arm
		isDefault, throws := false, false
		switch l.typ(g) {
		case "switch_rule":
			for _, k := range named(g) {
				switch l.typ(k) {
				case "switch_label":
					ks := named(k)
					if len(ks) == 0 {
						isDefault = true
					}
					for _, v := range ks {
						a.values = append(a.values, l.expr(v))
					}
				case "expression_statement":
					if ks := named(k); len(ks) > 0 {
						a.x = l.expr(ks[0])
					}
				case "throw_statement":
					throws = true
				default:
					a.x = &ir.Unknown{Pos: l.pos(k), Kids: l.yields(k)}
				}
			}
		default:
			// case X: ... yield v; (with fall-through): join every yield
			return &ir.Unknown{Pos: p, Kids: l.yields(n.ChildByFieldName("body"))}
		}
		if throws || a.x == nil {
			continue
		}
		if isDefault {
			def = a.x
			continue
		}
		arms = append(arms, a)
	}
	out := def
	for i := len(arms) - 1; i >= 0; i-- {
		var test ir.Expr
		for _, v := range arms[i].values {
			eq := &ir.Binary{Pos: p, Op: "==", X: l.cond(subject), Y: v}
			if test == nil {
				test = eq
			} else {
				test = &ir.Binary{Pos: p, Op: "||", X: test, Y: eq}
			}
		}
		if test == nil {
			continue
		}
		out = &ir.Cond{Pos: p, Test: test, Then: arms[i].x, Else: out}
	}
	return out
}

// yields are the values of the yield statements under n.
func (l *lowerer) yields(n *sitter.Node) []ir.Expr {
	var out []ir.Expr
	for _, k := range named(n) {
		switch l.typ(k) {
		case "yield_statement":
			if ks := named(k); len(ks) > 0 {
				out = append(out, l.expr(ks[0]))
			}
		case "switch_expression", "class_body", "lambda_expression":
		default:
			out = append(out, l.yields(k)...)
		}
	}
	return out
}

func (l *lowerer) args(n *sitter.Node) []ir.Expr {
	var out []ir.Expr
	for _, k := range named(n) {
		out = append(out, l.expr(k))
	}
	return out
}

func (l *lowerer) expr(n *sitter.Node) ir.Expr {
	if n == nil {
		return &ir.Unknown{}
	}
	p := l.pos(n)
	switch l.typ(n) {
	case "identifier", "type_identifier":
		return &ir.Name{Pos: p, ID: l.text(n)}
	case "this":
		return &ir.Name{Pos: p, ID: "this"}
	case "super":
		return &ir.Name{Pos: p, ID: "this"}
	case "scoped_identifier", "scoped_type_identifier":
		parts := strings.Split(l.text(n), ".")
		var x ir.Expr = &ir.Name{Pos: p, ID: strings.TrimSpace(parts[0])}
		for _, part := range parts[1:] {
			x = &ir.Attr{Pos: p, X: x, Name: strings.TrimSpace(part)}
		}
		return x
	case "string_literal":
		return &ir.Const{Pos: p, Value: l.javaString(n)}
	case "text_block":
		return &ir.Const{Pos: p, Value: strings.Trim(l.text(n), "\"")}
	case "character_literal":
		t := l.text(n)
		t = strings.TrimSuffix(strings.TrimPrefix(t, "'"), "'")
		if strings.HasPrefix(t, "\\") {
			t = unescape(t)
		}
		return &ir.Const{Pos: p, Value: t}
	case "decimal_integer_literal", "hex_integer_literal", "octal_integer_literal", "binary_integer_literal":
		t := strings.ToLower(strings.ReplaceAll(l.text(n), "_", ""))
		t = strings.TrimSuffix(t, "l")
		if l.typ(n) == "octal_integer_literal" && !strings.HasPrefix(t, "0o") {
			t = "0o" + strings.TrimPrefix(t, "0")
		}
		if v, err := strconv.ParseInt(t, 0, 64); err == nil {
			return &ir.Const{Pos: p, Value: v}
		}
		return &ir.Unknown{Pos: p}
	case "decimal_floating_point_literal", "hex_floating_point_literal":
		t := strings.TrimRight(strings.ToLower(l.text(n)), "fd")
		if v, err := strconv.ParseFloat(t, 64); err == nil {
			return &ir.Const{Pos: p, Value: v}
		}
		return &ir.Unknown{Pos: p}
	case "true":
		return &ir.Const{Pos: p, Value: true}
	case "false":
		return &ir.Const{Pos: p, Value: false}
	case "null_literal":
		return &ir.Const{Pos: p, Value: nil}
	case "parenthesized_expression":
		if ks := named(n); len(ks) == 1 {
			return l.expr(ks[0])
		}
	case "field_access":
		field := n.ChildByFieldName("field")
		return &ir.Attr{Pos: l.pos(field), X: l.expr(n.ChildByFieldName("object")), Name: l.text(field)}
	case "method_invocation":
		// [object "."] name arguments, read by position when that is all there is
		var obj, name, args *sitter.Node
		switch ks := named(n); {
		case len(ks) == 2 && l.typ(ks[1]) == "argument_list":
			name, args = ks[0], ks[1]
		case len(ks) == 3 && l.typ(ks[2]) == "argument_list" && l.typ(ks[1]) == "identifier":
			obj, name, args = ks[0], ks[1], ks[2]
		default:
			obj, name, args = n.ChildByFieldName("object"), n.ChildByFieldName("name"), n.ChildByFieldName("arguments")
		}
		c := &ir.Call{Pos: l.pos(name), Args: l.args(args)}
		if obj != nil {
			c.Fn = &ir.Attr{Pos: l.pos(name), X: l.expr(obj), Name: l.text(name)}
		} else {
			c.Fn = &ir.Name{Pos: l.pos(name), ID: l.text(name)}
		}
		return c
	case "object_creation_expression":
		t := n.ChildByFieldName("type")
		c := &ir.Call{Pos: p, New: true, Fn: &ir.Name{Pos: l.pos(t), ID: typeText(l.text(t))}, Args: l.args(n.ChildByFieldName("arguments"))}
		return c
	case "array_creation_expression":
		if v := n.ChildByFieldName("value"); v != nil {
			return l.expr(v)
		}
		c := &ir.Call{Pos: p, New: true, Fn: &ir.Name{Pos: p, ID: l.text(n.ChildByFieldName("type")) + "[]"}}
		var dims []*sitter.Node
		multi := false
		for _, k := range named(n) {
			switch l.typ(k) {
			case "dimensions_expr":
				dims = append(dims, k)
			case "dimensions":
				multi = true
			}
		}
		if len(dims) == 1 && !multi {
			// new T[n]: the length, so a constant one gives n elements
			if ks := named(dims[0]); len(ks) == 1 {
				c.Args = []ir.Expr{l.expr(ks[0])}
			}
		}
		return c
	case "array_initializer":
		return &ir.Seq{Pos: p, Kind: ir.Array, Elts: l.args(n)}
	case "array_access":
		return &ir.Index{Pos: p, X: l.expr(n.ChildByFieldName("array")), Index: l.expr(n.ChildByFieldName("index"))}
	case "assignment_expression":
		op := strings.TrimSuffix(l.text(n.ChildByFieldName("operator")), "=")
		return &ir.AssignExpr{Pos: p, Target: l.expr(n.ChildByFieldName("left")), Op: op, Value: l.expr(n.ChildByFieldName("right"))}
	case "update_expression":
		if ks := named(n); len(ks) == 1 {
			op := "+"
			if strings.Contains(l.text(n), "--") {
				op = "-"
			}
			return &ir.AssignExpr{Pos: p, Target: l.expr(ks[0]), Op: op, Value: &ir.Const{Pos: p, Value: int64(1)}}
		}
	case "binary_expression":
		return &ir.Binary{Pos: p, Op: l.text(n.ChildByFieldName("operator")), X: l.expr(n.ChildByFieldName("left")), Y: l.expr(n.ChildByFieldName("right"))}
	case "unary_expression":
		op := l.text(n.ChildByFieldName("operator"))
		if op == "!" {
			op = "not"
		}
		return &ir.Unary{Pos: p, Op: op, X: l.expr(n.ChildByFieldName("operand"))}
	case "ternary_expression":
		return &ir.Cond{Pos: p, Test: l.expr(n.ChildByFieldName("condition")), Then: l.expr(n.ChildByFieldName("consequence")), Else: l.expr(n.ChildByFieldName("alternative"))}
	case "cast_expression":
		return &ir.Cast{Pos: p, Type: l.text(n.ChildByFieldName("type")), X: l.expr(n.ChildByFieldName("value"))}
	case "instanceof_expression":
		return &ir.Binary{Pos: p, Op: "instanceof", X: l.expr(n.ChildByFieldName("left")), Y: &ir.Name{Pos: p, ID: l.text(n.ChildByFieldName("right"))}}
	case "lambda_expression":
		f := &ir.Func{Pos: p, Name: "<lambda>"}
		if ps := n.ChildByFieldName("parameters"); ps != nil {
			if l.typ(ps) == "identifier" {
				f.Params = []ir.Param{{Name: l.text(ps)}}
			} else {
				f.Params, _ = l.params(ps)
			}
		}
		if b := n.ChildByFieldName("body"); b != nil {
			if l.typ(b) == "block" {
				f.Body = l.block(b)
			} else {
				f.Body = []ir.Stmt{&ir.Return{Pos: l.pos(b), X: l.expr(b)}}
			}
		}
		return &ir.Lambda{Pos: p, Fn: f}
	case "class_literal":
		return &ir.Const{Pos: p, Value: typeText(l.text(n))}
	case "switch_expression":
		return l.switchExpr(n)
	case "ERROR":
		l.errors++
	}
	var kids []ir.Expr
	for _, k := range named(n) {
		kids = append(kids, l.expr(k))
	}
	return &ir.Unknown{Pos: p, Kids: kids}
}

func typeText(t string) string {
	return strings.Join(strings.Fields(t), "")
}

func (l *lowerer) javaString(n *sitter.Node) string {
	var sb strings.Builder
	for _, k := range named(n) {
		switch l.typ(k) {
		case "string_fragment", "multiline_string_fragment":
			sb.WriteString(l.text(k))
		case "escape_sequence":
			sb.WriteString(unescape(l.text(k)))
		}
	}
	return sb.String()
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
	case 'u':
		if v, err := strconv.ParseUint(strings.TrimLeft(e[2:], "u"), 16, 32); err == nil {
			return string(rune(v))
		}
	}
	return e
}

// symbolNames maps the grammar's symbols to their names once, so reading a
// node's type costs no allocation.
var symbolNames = sync.OnceValue(func() []string {
	lang := tsjava.GetLanguage()
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
