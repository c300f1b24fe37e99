package cfn

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// CloudFormation resource types whose instance type the editor changes.
const (
	typeInstance      = "AWS::EC2::Instance"
	typeLaunchTmpl    = "AWS::EC2::LaunchTemplate"
	typeLaunchConfig  = "AWS::AutoScaling::LaunchConfiguration"
	typeAutoScalingGr = "AWS::AutoScaling::AutoScalingGroup"
)

// target is the scalar holding the instance type, found by following the
// resource's InstanceType through Refs and Fn::FindInMap.
type target struct {
	scalar *node
	where  string // path for messages, e.g. "Parameters.InstanceType.Default"
	// allowed is the parameter's AllowedValues list when the instance type
	// is a parameter's Default and the parameter restricts its values.
	allowed      *node
	allowedWhere string
	// param is the parameter whose Default holds the type, if any.
	param string
}

// resolve finds the instance type of the resource logicalID ("" = the only
// instance-like resource).
func resolve(src *source, logicalID string) (target, error) {
	root := src.root
	if root.kind != mapNode {
		return target{}, errors.New("template is not a mapping of sections (Resources, Parameters, …)")
	}
	resources := root.get("Resources")
	if resources == nil || resources.kind != mapNode {
		return target{}, errors.New("template has no Resources section")
	}
	var cands []string
	for i, k := range resources.keys {
		switch resourceType(resources.vals[i]) {
		case typeInstance, typeLaunchTmpl, typeLaunchConfig:
			cands = append(cands, k.value)
		}
	}
	sort.Strings(cands)
	if logicalID == "" {
		switch len(cands) {
		case 0:
			return target{}, fmt.Errorf("template has no %s, %s or %s resource", typeInstance, typeLaunchTmpl, typeLaunchConfig)
		case 1:
			logicalID = cands[0]
		default:
			return target{}, fmt.Errorf("template has %d instance-like resources (%s); choose one by logical id (the instance's aws:cloudformation:logical-id tag)",
				len(cands), strings.Join(cands, ", "))
		}
	}
	r := &resolver{root: root, resources: resources}
	return r.resource(logicalID, cands, 0)
}

type resolver struct {
	root, resources *node
}

func resourceType(res *node) string {
	if t := res.get("Type"); t != nil && t.kind == scalarNode {
		return t.value
	}
	return ""
}

func (r *resolver) resource(id string, cands []string, hops int) (target, error) {
	res := r.resources.get(id)
	if res == nil {
		if len(cands) == 0 {
			return target{}, fmt.Errorf("template has no resource %q", id)
		}
		return target{}, fmt.Errorf("template has no resource %q; instance-like resources: %s", id, strings.Join(cands, ", "))
	}
	if hops > 2 {
		return target{}, fmt.Errorf("resource %q: too many references between resources", id)
	}
	props := res.get("Properties")
	base := "Resources." + id + ".Properties"
	switch typ := resourceType(res); typ {
	case typeInstance:
		if it := props.get("InstanceType"); it != nil {
			return r.value(it, base+".InstanceType")
		}
		if lt := r.launchTemplateRef(props.get("LaunchTemplate")); lt != "" {
			return r.resource(lt, cands, hops+1)
		}
		return target{}, fmt.Errorf("resource %q (%s) sets no InstanceType", id, typ)
	case typeLaunchConfig:
		it := props.get("InstanceType")
		if it == nil {
			return target{}, fmt.Errorf("resource %q (%s) sets no InstanceType", id, typ)
		}
		return r.value(it, base+".InstanceType")
	case typeLaunchTmpl:
		it := props.get("LaunchTemplateData").get("InstanceType")
		if it == nil {
			return target{}, fmt.Errorf("resource %q (%s) sets no LaunchTemplateData.InstanceType", id, typ)
		}
		return r.value(it, base+".LaunchTemplateData.InstanceType")
	case typeAutoScalingGr:
		// Instances of a group carry the group's logical id in their
		// aws:cloudformation:logical-id tag: follow it to what launches them.
		if lc, ok := refName(props.get("LaunchConfigurationName")); ok && r.resources.get(lc) != nil {
			return r.resource(lc, cands, hops+1)
		}
		if lt := r.launchTemplateRef(props.get("LaunchTemplate")); lt != "" {
			return r.resource(lt, cands, hops+1)
		}
		return target{}, fmt.Errorf("resource %q (%s) launches neither a launch configuration nor a launch template defined in this template", id, typ)
	default:
		if typ == "" {
			typ = "resource without a Type"
		}
		return target{}, fmt.Errorf("resource %q is a %s, not an instance, launch template, launch configuration or auto scaling group", id, typ)
	}
}

// launchTemplateRef returns the logical id of a launch template in this
// template referenced from a LaunchTemplate specification, or "".
func (r *resolver) launchTemplateRef(spec *node) string {
	for _, key := range []string{"LaunchTemplateId", "LaunchTemplateName"} {
		if name, ok := refName(spec.get(key)); ok && resourceType(r.resources.get(name)) == typeLaunchTmpl {
			return name
		}
	}
	return ""
}

// refName reports whether n is `!Ref X` or `{"Ref": "X"}`.
func refName(n *node) (string, bool) {
	if n == nil {
		return "", false
	}
	if n.tag == "!Ref" && n.kind == scalarNode {
		return n.value, true
	}
	if n.tag == "" && n.kind == mapNode && len(n.keys) == 1 && n.keys[0].value == "Ref" && n.vals[0].kind == scalarNode && n.vals[0].tag == "" {
		return n.vals[0].value, true
	}
	return "", false
}

// findInMapArgs reports whether n is `!FindInMap [...]` or
// `{"Fn::FindInMap": [...]}` and returns its arguments.
func findInMapArgs(n *node) ([]*node, bool) {
	if n == nil {
		return nil, false
	}
	if n.tag == "!FindInMap" && n.kind == seqNode {
		return n.items, true
	}
	if n.tag == "" && n.kind == mapNode && len(n.keys) == 1 && n.keys[0].value == "Fn::FindInMap" && n.vals[0].kind == seqNode && n.vals[0].tag == "" {
		return n.vals[0].items, true
	}
	return nil, false
}

func isLiteral(n *node) bool { return n != nil && n.kind == scalarNode && n.tag == "" }

// value follows an InstanceType value to the scalar that holds it.
func (r *resolver) value(n *node, where string) (target, error) {
	if isLiteral(n) {
		return target{scalar: n, where: where}, nil
	}
	if name, ok := refName(n); ok {
		return r.parameter(name, where)
	}
	if args, ok := findInMapArgs(n); ok {
		return r.mapping(args, where)
	}
	return target{}, fmt.Errorf("%s is %s; tend can change a literal instance type, a Ref to a parameter with a Default, or an Fn::FindInMap entry", where, n.describe())
}

func (r *resolver) parameter(name, where string) (target, error) {
	if strings.HasPrefix(name, "AWS::") {
		return target{}, fmt.Errorf("%s refers to the pseudo parameter %s, which has no value in the template", where, name)
	}
	p := r.root.get("Parameters").get(name)
	if p == nil {
		if r.resources.get(name) != nil {
			return target{}, fmt.Errorf("%s refers to resource %q, not to a parameter", where, name)
		}
		return target{}, fmt.Errorf("%s refers to %q, which is not declared in Parameters", where, name)
	}
	pw := "Parameters." + name
	if t := p.get("Type"); t != nil && strings.HasPrefix(t.value, "AWS::SSM::Parameter::Value") {
		def := ""
		if d := p.get("Default"); d != nil {
			def = d.value
		}
		return target{}, fmt.Errorf("%s is an SSM parameter type (%s); change the SSM parameter %q instead of the template", pw, t.value, def)
	}
	def := p.get("Default")
	if def == nil {
		return target{}, fmt.Errorf("%s has no Default: the instance type is chosen when the product is launched, so the template has no value to change", pw)
	}
	if !isLiteral(def) {
		return target{}, fmt.Errorf("%s.Default is %s, not a literal instance type", pw, def.describe())
	}
	t := target{scalar: def, where: pw + ".Default", param: name}
	if av := p.get("AllowedValues"); av != nil {
		if av.kind != seqNode || av.tag != "" {
			return target{}, fmt.Errorf("%s.AllowedValues is %s, not a list", pw, av.describe())
		}
		t.allowed, t.allowedWhere = av, pw+".AllowedValues"
	}
	return t, nil
}

func (r *resolver) mapping(args []*node, where string) (target, error) {
	if len(args) != 3 && len(args) != 4 {
		return target{}, fmt.Errorf("%s: Fn::FindInMap takes a map name and two keys, got %d arguments", where, len(args))
	}
	names := [3]string{}
	for i, what := range []string{"map name", "top-level key", "second-level key"} {
		v, err := r.key(args[i])
		if err != nil {
			return target{}, fmt.Errorf("%s: Fn::FindInMap %s %w", where, what, err)
		}
		names[i] = v
	}
	mw := "Mappings." + strings.Join(names[:], ".")
	entry := r.root.get("Mappings").get(names[0]).get(names[1]).get(names[2])
	if entry == nil && len(args) == 4 {
		// AWS::LanguageExtensions: the DefaultValue is what is selected.
		if def := args[3].get("DefaultValue"); def != nil {
			if !isLiteral(def) {
				return target{}, fmt.Errorf("%s: %s does not exist and the Fn::FindInMap DefaultValue is %s", where, mw, def.describe())
			}
			return target{scalar: def, where: where + " (Fn::FindInMap DefaultValue)"}, nil
		}
	}
	m := r.root.get("Mappings").get(names[0])
	if m == nil {
		return target{}, fmt.Errorf("%s: Fn::FindInMap refers to map %q, which is not declared in Mappings", where, names[0])
	}
	if m.get(names[1]) == nil {
		return target{}, fmt.Errorf("%s: Mappings.%s has no key %q", where, names[0], names[1])
	}
	if entry == nil {
		return target{}, fmt.Errorf("%s: %s does not exist", where, mw)
	}
	if !isLiteral(entry) {
		return target{}, fmt.Errorf("%s is %s, not a literal instance type", mw, entry.describe())
	}
	return target{scalar: entry, where: mw}, nil
}

// key evaluates a FindInMap argument statically: a literal, or a Ref to a
// parameter, which selects the entry for the parameter's Default.
func (r *resolver) key(n *node) (string, error) {
	if isLiteral(n) {
		return n.value, nil
	}
	name, ok := refName(n)
	if !ok {
		return "", fmt.Errorf("is %s, which cannot be evaluated without deploying the stack", n.describe())
	}
	if strings.HasPrefix(name, "AWS::") {
		return "", fmt.Errorf("refers to the pseudo parameter %s, known only when the stack is deployed; the mapping entry to change cannot be chosen statically", name)
	}
	p := r.root.get("Parameters").get(name)
	if p == nil {
		return "", fmt.Errorf("refers to %q, which is not declared in Parameters", name)
	}
	def := p.get("Default")
	if !isLiteral(def) {
		return "", fmt.Errorf("refers to parameter %q, which has no literal Default; the mapping entry to change cannot be chosen statically", name)
	}
	return def.value, nil
}
