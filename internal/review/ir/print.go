package ir

import (
	"fmt"
	"io"
	"strings"
)

// Fprint writes m as indented text, one statement a line: the form the
// front ends' golden files pin.
func Fprint(w io.Writer, m *Module) error {
	p := &printer{}
	fmt.Fprintf(&p.sb, "module %s (%s) %s\n", m.Path, m.Lang, m.Name)
	p.stmts(m.Body, 1)
	_, err := io.WriteString(w, p.sb.String())
	return err
}

type printer struct{ sb strings.Builder }

func (p *printer) line(depth int, pos Pos, format string, a ...any) {
	fmt.Fprintf(&p.sb, "%s%d:%d %s\n", strings.Repeat("  ", depth), pos.Line, pos.Col, fmt.Sprintf(format, a...))
}

func (p *printer) stmts(ss []Stmt, depth int) {
	for _, s := range ss {
		p.stmt(s, depth)
	}
}

func (p *printer) fn(f *Func, depth int) {
	var ps []string
	for _, x := range f.Params {
		s := x.Name
		if x.Type != "" {
			s += " " + x.Type
		}
		if x.Star {
			s = "*" + s
		}
		if x.DStar {
			s = "**" + s
		}
		if x.Default != nil {
			s += "=" + Expr2String(x.Default)
		}
		ps = append(ps, s)
	}
	var decs []string
	for _, d := range f.Decorators {
		decs = append(decs, "@"+Expr2String(d))
	}
	for _, a := range f.Annotations {
		decs = append(decs, "@"+a)
	}
	static := ""
	if f.Static {
		static = "static "
	}
	p.line(depth, f.Pos, "%s%sdef %s(%s)", strings.Join(append(decs, ""), " "), static, f.Name, strings.Join(ps, ", "))
	p.stmts(f.Body, depth+1)
}

func (p *printer) stmt(s Stmt, d int) {
	switch s := s.(type) {
	case *Assign:
		var ts []string
		for _, t := range s.Targets {
			ts = append(ts, Expr2String(t))
		}
		v := "<none>"
		if s.Value != nil {
			v = Expr2String(s.Value)
		}
		typ := ""
		if s.Type != "" {
			typ = s.Type + " "
		}
		p.line(d, s.Pos, "%s%s %s= %s", typ, strings.Join(ts, " = "), s.Op, v)
	case *ExprStmt:
		p.line(d, s.Pos, "%s", Expr2String(s.X))
	case *If:
		p.line(d, s.Pos, "if %s", Expr2String(s.Test))
		p.stmts(s.Then, d+1)
		if len(s.Else) > 0 {
			p.line(d, s.Pos, "else")
			p.stmts(s.Else, d+1)
		}
	case *While:
		kw := "while"
		if s.DoWhile {
			kw = "do-while"
		}
		p.line(d, s.Pos, "%s %s", kw, Expr2String(s.Test))
		p.stmts(s.Body, d+1)
	case *For:
		p.line(d, s.Pos, "for %s in %s", Expr2String(s.Target), Expr2String(s.Iter))
		p.stmts(s.Body, d+1)
	case *Return:
		v := ""
		if s.X != nil {
			v = " " + Expr2String(s.X)
		}
		p.line(d, s.Pos, "return%s", v)
	case *Raise:
		v := ""
		if s.X != nil {
			v = " " + Expr2String(s.X)
		}
		p.line(d, s.Pos, "raise%s", v)
	case *Break:
		p.line(d, s.Pos, "break")
	case *Continue:
		p.line(d, s.Pos, "continue")
	case *Try:
		p.line(d, s.Pos, "try")
		p.stmts(s.Body, d+1)
		for _, h := range s.Handlers {
			var ts []string
			for _, t := range h.Types {
				ts = append(ts, Expr2String(t))
			}
			p.line(d, s.Pos, "except %s as %s", strings.Join(ts, ", "), h.Name)
			p.stmts(h.Body, d+1)
		}
		if len(s.Finally) > 0 {
			p.line(d, s.Pos, "finally")
			p.stmts(s.Finally, d+1)
		}
	case *With:
		var items []string
		for _, it := range s.Items {
			x := Expr2String(it.Value)
			if it.Target != nil {
				x += " as " + Expr2String(it.Target)
			}
			items = append(items, x)
		}
		p.line(d, s.Pos, "with %s", strings.Join(items, ", "))
		p.stmts(s.Body, d+1)
	case *Switch:
		ft := ""
		if s.Fallthrough {
			ft = " (fall-through)"
		}
		p.line(d, s.Pos, "switch %s%s", Expr2String(s.Subject), ft)
		for _, c := range s.Cases {
			if c.Values == nil {
				p.line(d+1, s.Pos, "default")
			} else {
				var vs []string
				for _, v := range c.Values {
					vs = append(vs, Expr2String(v))
				}
				p.line(d+1, s.Pos, "case %s", strings.Join(vs, " | "))
			}
			p.stmts(c.Body, d+2)
		}
	case *FuncDef:
		p.fn(s.Fn, d)
	case *ClassDef:
		var bases []string
		for _, b := range s.Class.Bases {
			bases = append(bases, Expr2String(b))
		}
		p.line(d, s.Pos, "class %s(%s)", s.Class.Name, strings.Join(bases, ", "))
		for _, f := range s.Class.Fields {
			init := ""
			if f.Init != nil {
				init = " = " + Expr2String(f.Init)
			}
			p.line(d+1, f.Pos, "field %s %s%s", f.Type, f.Name, init)
		}
		p.stmts(s.Class.Body, d+1)
		for _, m := range s.Class.Methods {
			p.fn(m, d+1)
		}
		for _, c := range s.Class.Classes {
			p.stmt(&ClassDef{Pos: c.Pos, Class: c}, d+1)
		}
	case *Import:
		var ns []string
		for _, n := range s.Names {
			x := n.Name
			if n.Alias != "" {
				x += " as " + n.Alias
			}
			ns = append(ns, x)
		}
		alias := ""
		if s.Alias != "" {
			alias = " as " + s.Alias
		}
		p.line(d, s.Pos, "import %s%s %s", s.Module, alias, strings.Join(ns, ", "))
	case *Global:
		p.line(d, s.Pos, "global %s", strings.Join(s.Names, ", "))
	case *Block:
		p.line(d, s.Pos, "block")
		p.stmts(s.Body, d+1)
	}
}

// Expr2String renders an expression compactly.
func Expr2String(x Expr) string {
	switch x := x.(type) {
	case nil:
		return "<nil>"
	case *Name:
		return x.ID
	case *Const:
		if s, ok := x.Value.(string); ok {
			return fmt.Sprintf("%q", s)
		}
		if x.Value == nil {
			return "None"
		}
		return fmt.Sprint(x.Value)
	case *Attr:
		return Expr2String(x.X) + "." + x.Name
	case *Index:
		return Expr2String(x.X) + "[" + Expr2String(x.Index) + "]"
	case *Slice:
		lo, hi := "", ""
		if x.Lo != nil {
			lo = Expr2String(x.Lo)
		}
		if x.Hi != nil {
			hi = Expr2String(x.Hi)
		}
		return Expr2String(x.X) + "[" + lo + ":" + hi + "]"
	case *Call:
		var as []string
		for _, a := range x.Args {
			as = append(as, Expr2String(a))
		}
		for _, k := range x.Kw {
			as = append(as, k.Name+"="+Expr2String(k.Value))
		}
		n := ""
		if x.New {
			n = "new "
		}
		return n + Expr2String(x.Fn) + "(" + strings.Join(as, ", ") + ")"
	case *Binary:
		return "(" + Expr2String(x.X) + " " + x.Op + " " + Expr2String(x.Y) + ")"
	case *Unary:
		return "(" + x.Op + " " + Expr2String(x.X) + ")"
	case *Cond:
		return "(" + Expr2String(x.Then) + " if " + Expr2String(x.Test) + " else " + Expr2String(x.Else) + ")"
	case *Seq:
		var es []string
		for _, e := range x.Elts {
			es = append(es, Expr2String(e))
		}
		return "[" + strings.Join(es, ", ") + "]"
	case *Dict:
		var es []string
		for i := range x.Keys {
			es = append(es, Expr2String(x.Keys[i])+": "+Expr2String(x.Values[i]))
		}
		return "{" + strings.Join(es, ", ") + "}"
	case *Concat:
		var es []string
		for _, e := range x.Parts {
			es = append(es, Expr2String(e))
		}
		return "concat(" + strings.Join(es, ", ") + ")"
	case *Lambda:
		return "lambda"
	case *Comp:
		return "comp(" + Expr2String(x.Elt) + ")"
	case *Star:
		return "*" + Expr2String(x.X)
	case *Cast:
		return "(" + x.Type + ") " + Expr2String(x.X)
	case *AssignExpr:
		return "(" + Expr2String(x.Target) + " " + x.Op + "= " + Expr2String(x.Value) + ")"
	case *Unknown:
		return "?"
	}
	return "?"
}
