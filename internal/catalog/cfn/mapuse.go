package cfn

import (
	"fmt"
	"sort"
	"strings"
)

// checkMapUses makes sure that changing parameter param to newType keeps
// every Fn::FindInMap keyed by the parameter resolvable, as in AWS's
// classic samples that look up an AMI architecture by instance type:
//
//	ImageId: !FindInMap [AWSInstanceType2Arch, !Ref InstanceType, Arch]
//
// A mapping without an entry for newType would make the new version fail
// at deploy time, so the edit is refused with the entry to add.
func checkMapUses(root *node, param, newType string) error {
	r := &resolver{root: root, resources: root.get("Resources")}
	var problems []string
	walk(root, 0, func(n *node) {
		args, ok := findInMapArgs(n)
		if !ok || len(args) < 3 || len(args) == 4 && args[3].get("DefaultValue") != nil {
			return
		}
		mapName, err := r.key(args[0])
		if err != nil {
			return
		}
		m := root.get("Mappings").get(mapName)
		if m == nil || m.kind != mapNode {
			return
		}
		isParam := func(a *node) bool { name, ok := refName(a); return ok && name == param }
		switch {
		case isParam(args[1]):
			if m.get(newType) == nil {
				problems = append(problems, fmt.Sprintf("Mappings.%s has no key %q", mapName, newType))
			}
		case isParam(args[2]):
			tops := m.vals
			if top, err := r.key(args[1]); err == nil {
				tops = []*node{m.get(top)}
			}
			for i, top := range tops {
				if top != nil && top.get(newType) == nil {
					name := ""
					if len(tops) == len(m.keys) {
						name = m.keys[i].value
					} else {
						name, _ = r.key(args[1])
					}
					problems = append(problems, fmt.Sprintf("Mappings.%s.%s has no key %q", mapName, name, newType))
				}
			}
		}
	})
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	problems = compact(problems)
	return fmt.Errorf("parameter %s is a Fn::FindInMap key and %s; add the entry before upsizing", param, strings.Join(problems, ", "))
}

func walk(n *node, depth int, f func(*node)) {
	if n == nil || depth > maxDepth {
		return
	}
	f(n)
	for _, it := range n.items {
		walk(it, depth+1, f)
	}
	for _, v := range n.vals {
		walk(v, depth+1, f)
	}
}

func compact(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
