// Package hcl reads and changes the instance type in a Terraform .tf file:
// the instance_type of an aws_instance, aws_launch_template,
// aws_launch_configuration or aws_spot_instance_request, written as a string literal, as var.NAME (the
// variable's default changes, and a contains([...], var.NAME) validation
// list gains the new type) or as local.NAME (the local's value changes).
//
// The file is parsed with HCL's native syntax parser and the new value is
// spliced into the original bytes at the literal's exact source range, so
// alignment, tabs, comments and line endings stay as they were. (hclwrite
// re-formats the whole file when it writes it, and keeps whitespace only as
// a count of spaces, so it is not used for output.)
package hcl

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"

	hclv2 "github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/tendhq/tend/internal/catalog"
)

// MaxTemplateSize is the largest .tf file the editor accepts.
const MaxTemplateSize = 1 << 20

// resourceTypes are the Terraform resources that launch EC2 instances
// with an instance_type argument.
var resourceTypes = map[string]bool{
	"aws_instance":              true,
	"aws_launch_template":       true,
	"aws_launch_configuration":  true,
	"aws_spot_instance_request": true,
}

// Editor edits Terraform files. The zero value is ready to use.
type Editor struct{}

var _ catalog.Editor = Editor{}

var instanceTypeRE = regexp.MustCompile(`^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$`)

// indexSuffix strips a count/for_each index from an address: web[0].
var indexSuffix = regexp.MustCompile(`\[[^\]]*\]$`)

// target is the string literal holding the instance type.
type target struct {
	value      string
	start, end int    // byte range of the literal's text, inside the quotes
	where      string // for messages: `variable "size" default`
	// allowed is a contains([...], var.NAME) list in the variable's
	// validation, when there is one.
	allowed *hclsyntax.TupleConsExpr
}

// InstanceType returns the instance type of the resource at address
// (e.g. "aws_instance.web"; "" = the file's only instance-like resource).
func (Editor) InstanceType(tmpl []byte, address string) (string, error) {
	t, err := find(tmpl, address)
	if err != nil {
		return "", err
	}
	return t.value, nil
}

// SetInstanceType returns tmpl with the resource's instance type set to
// newType; only the literal (and a validation list) changes.
func (e Editor) SetInstanceType(tmpl []byte, address, newType string) ([]byte, error) {
	if len(newType) > 64 || !instanceTypeRE.MatchString(newType) {
		return nil, fmt.Errorf("invalid instance type %q: want a lower-case family and size such as t3.medium", newType)
	}
	t, err := find(tmpl, address)
	if err != nil {
		return nil, err
	}
	type edit struct {
		at, end int
		text    string
	}
	var edits []edit
	if t.value != newType {
		edits = append(edits, edit{t.start, t.end, newType})
	}
	if t.allowed != nil && !tupleHas(t.allowed, newType) {
		at, text, err := appendToTuple(tmpl, t.allowed, newType)
		if err != nil {
			return nil, fmt.Errorf("add %s to the validation list of %s: %w", newType, t.where, err)
		}
		edits = append(edits, edit{at, at, text})
	}
	if len(edits) == 0 {
		return bytes.Clone(tmpl), nil
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].at < edits[j].at })
	var out bytes.Buffer
	last := 0
	for _, ed := range edits {
		if ed.at < last {
			return nil, fmt.Errorf("edit %s: overlapping changes", t.where)
		}
		out.Write(tmpl[last:ed.at])
		out.WriteString(ed.text)
		last = ed.end
	}
	out.Write(tmpl[last:])
	res := out.Bytes()
	if got, err := e.InstanceType(res, address); err != nil || got != newType {
		return nil, fmt.Errorf("edit of %s did not read back as %s (%v); the file was left unchanged", t.where, newType, err)
	}
	return res, nil
}

func find(tmpl []byte, address string) (target, error) {
	if len(tmpl) > MaxTemplateSize {
		return target{}, fmt.Errorf("file is %d bytes, more than the %d-byte limit", len(tmpl), MaxTemplateSize)
	}
	f, diags := hclsyntax.ParseConfig(tmpl, "template.tf", hclv2.InitialPos)
	if diags.HasErrors() {
		return target{}, fmt.Errorf("parse Terraform: %s", diags.Error())
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return target{}, fmt.Errorf("parse Terraform: unexpected body %T", f.Body)
	}
	res := map[string]*hclsyntax.Block{}
	var cands []string
	for _, b := range body.Blocks {
		if b.Type == "resource" && len(b.Labels) == 2 && resourceTypes[b.Labels[0]] {
			addr := b.Labels[0] + "." + b.Labels[1]
			res[addr] = b
			cands = append(cands, addr)
		}
	}
	sort.Strings(cands)
	address = indexSuffix.ReplaceAllString(strings.TrimSpace(address), "")
	switch {
	case address != "":
	case len(cands) == 1:
		address = cands[0]
	case len(cands) == 0:
		return target{}, fmt.Errorf("file has no aws_instance, aws_launch_template, aws_launch_configuration or aws_spot_instance_request resource")
	default:
		return target{}, fmt.Errorf("file has %d instance-like resources (%s); choose one by address", len(cands), strings.Join(cands, ", "))
	}
	b := res[address]
	if b == nil {
		if len(cands) == 0 {
			return target{}, fmt.Errorf("file has no resource %q", address)
		}
		return target{}, fmt.Errorf("file has no resource %q; instance-like resources: %s", address, strings.Join(cands, ", "))
	}
	attr := b.Body.Attributes["instance_type"]
	if attr == nil {
		return target{}, fmt.Errorf("resource %s sets no instance_type", address)
	}
	where := address + ".instance_type"
	if t, ok := literal(tmpl, attr.Expr); ok {
		t.where = where
		return t, nil
	}
	tr, ok := attr.Expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(tr.Traversal) != 2 {
		return target{}, fmt.Errorf("%s is an expression; tend can change a string literal, var.NAME or local.NAME", where)
	}
	name, ok := tr.Traversal[1].(hclv2.TraverseAttr)
	if !ok {
		return target{}, fmt.Errorf("%s is an expression; tend can change a string literal, var.NAME or local.NAME", where)
	}
	switch tr.Traversal.RootName() {
	case "var":
		return variable(tmpl, body, name.Name)
	case "local":
		return local(tmpl, body, name.Name)
	}
	return target{}, fmt.Errorf("%s refers to %s.%s; tend can change a string literal, var.NAME or local.NAME", where, tr.Traversal.RootName(), name.Name)
}

// literal reports whether e is a plain quoted string ("t3.micro") and
// returns the byte range of its text.
func literal(src []byte, e hclsyntax.Expression) (target, bool) {
	tmpl, ok := e.(*hclsyntax.TemplateExpr)
	if !ok || len(tmpl.Parts) != 1 {
		return target{}, false
	}
	lit, ok := tmpl.Parts[0].(*hclsyntax.LiteralValueExpr)
	if !ok || !lit.Val.IsKnown() || lit.Val.IsNull() || lit.Val.Type().FriendlyName() != "string" {
		return target{}, false
	}
	v := lit.Val.AsString()
	r := lit.SrcRange
	if r.Start.Byte < 0 || r.End.Byte > len(src) || r.Start.Byte > r.End.Byte || string(src[r.Start.Byte:r.End.Byte]) != v {
		return target{}, false // escapes or template sequences: not spliceable
	}
	return target{value: v, start: r.Start.Byte, end: r.End.Byte}, true
}

func variable(src []byte, body *hclsyntax.Body, name string) (target, error) {
	for _, b := range body.Blocks {
		if b.Type != "variable" || len(b.Labels) != 1 || b.Labels[0] != name {
			continue
		}
		where := fmt.Sprintf("variable %q", name)
		def := b.Body.Attributes["default"]
		if def == nil {
			return target{}, fmt.Errorf("%s has no default: the instance type is set where the module is used, not in this file", where)
		}
		t, ok := literal(src, def.Expr)
		if !ok {
			return target{}, fmt.Errorf("%s default is not a plain string literal", where)
		}
		t.where = where + " default"
		for _, v := range b.Body.Blocks {
			if v.Type != "validation" {
				continue
			}
			if tup := containsList(v.Body.Attributes["condition"], name); tup != nil {
				t.allowed = tup
				break
			}
		}
		return t, nil
	}
	return target{}, fmt.Errorf("variable %q is not declared in this file", name)
}

func local(src []byte, body *hclsyntax.Body, name string) (target, error) {
	for _, b := range body.Blocks {
		if b.Type != "locals" {
			continue
		}
		if a := b.Body.Attributes[name]; a != nil {
			t, ok := literal(src, a.Expr)
			if !ok {
				return target{}, fmt.Errorf("local.%s is not a plain string literal", name)
			}
			t.where = "local." + name
			return t, nil
		}
	}
	return target{}, fmt.Errorf("local.%s is not declared in this file", name)
}

// containsList returns L in a condition `contains(L, var.name)` whose L is
// a list of string literals.
func containsList(cond *hclsyntax.Attribute, name string) *hclsyntax.TupleConsExpr {
	if cond == nil {
		return nil
	}
	call, ok := cond.Expr.(*hclsyntax.FunctionCallExpr)
	if !ok || call.Name != "contains" || len(call.Args) != 2 {
		return nil
	}
	tup, ok := call.Args[0].(*hclsyntax.TupleConsExpr)
	if !ok {
		return nil
	}
	tr, ok := call.Args[1].(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(tr.Traversal) != 2 || tr.Traversal.RootName() != "var" {
		return nil
	}
	if a, ok := tr.Traversal[1].(hclv2.TraverseAttr); !ok || a.Name != name {
		return nil
	}
	return tup
}

func tupleHas(tup *hclsyntax.TupleConsExpr, v string) bool {
	for _, e := range tup.Exprs {
		if tmpl, ok := e.(*hclsyntax.TemplateExpr); ok && len(tmpl.Parts) == 1 {
			if lit, ok := tmpl.Parts[0].(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type().FriendlyName() == "string" && lit.Val.IsKnown() && !lit.Val.IsNull() && lit.Val.AsString() == v {
				return true
			}
		}
	}
	return false
}

// appendToTuple returns where and what to insert to add "v" at the end of
// tup, separated like the existing items.
func appendToTuple(src []byte, tup *hclsyntax.TupleConsExpr, v string) (int, string, error) {
	item := `"` + v + `"`
	open := tup.SrcRange.Start.Byte
	if open < 0 || open >= len(src) || src[open] != '[' {
		return 0, "", fmt.Errorf("cannot locate the list")
	}
	if len(tup.Exprs) == 0 {
		return open + 1, item, nil
	}
	last := tup.Exprs[len(tup.Exprs)-1].Range()
	sep := ", "
	if n := len(tup.Exprs); n >= 2 {
		prev := tup.Exprs[n-2].Range()
		if s := string(src[prev.End.Byte:last.Start.Byte]); strings.TrimSpace(s) == "," {
			sep = s
		}
	} else if ws := string(src[open+1 : last.Start.Byte]); strings.TrimSpace(ws) == "" && strings.ContainsAny(ws, "\r\n") {
		sep = "," + ws
	}
	return last.End.Byte, sep + item, nil
}
