package devopsguru

import (
	"context"
	"slices"
	"strings"
)

// UpdateResourceCollection changes what tend analyses, as DevOps Guru's
// coverage works: the resources of chosen CloudFormation stacks ("*": every
// resource), or the resources carrying one tag key whose name starts with
// devops-guru- (with chosen values; "*": any value). tend analyses stacks or
// one tag key, not both at once. The change applies at once (Options.
// SetCoverage) and is kept across restarts.

// updateCollectionRequest is UpdateResourceCollection's body.
type updateCollectionRequest struct {
	Action             string `json:"Action"`
	ResourceCollection *struct {
		CloudFormation *struct {
			StackNames []string `json:"StackNames"`
		} `json:"CloudFormation"`
		Tags []TagCollection `json:"Tags"`
	} `json:"ResourceCollection"`
}

// none is the coverage that analyses nothing: no stack.
var none = Coverage{Mode: "stacks", Stacks: []string{}}

func (h *Handler) updateResourceCollection(ctx context.Context, c *call) (any, *Error) {
	if h.o.SetCoverage == nil {
		return nil, errUnknownOperation(c.r.Method, c.r.URL.Path)
	}
	var req updateCollectionRequest
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	if req.Action != "ADD" && req.Action != "REMOVE" {
		if req.Action == "" {
			return nil, invalid("Action", "Member must not be null")
		}
		return nil, invalid("Action", "Member must satisfy enum value set: [ADD, REMOVE]")
	}
	rc := req.ResourceCollection
	if rc == nil {
		return nil, invalid("ResourceCollection", "Member must not be null")
	}
	var stacks []string
	if rc.CloudFormation != nil {
		stacks = rc.CloudFormation.StackNames
	}
	if len(stacks) > 0 && len(rc.Tags) > 0 {
		return nil, invalidCombination("ResourceCollection", "give CloudFormation stacks or Tags, not both: tend analyses either stacks or one tag key")
	}
	if len(stacks) == 0 && len(rc.Tags) == 0 {
		return nil, invalid("ResourceCollection", "name at least one stack (CloudFormation.StackNames) or one tag (Tags)")
	}
	if len(stacks) > 100 {
		return nil, invalid("ResourceCollection.CloudFormation.StackNames", "Member must have length less than or equal to 100")
	}
	for _, s := range stacks {
		if len(s) > 128 || !stackNamePattern.MatchString(s) {
			return nil, invalid("ResourceCollection.CloudFormation.StackNames", "Member must satisfy regular expression pattern: ^[a-zA-Z*]+[a-zA-Z0-9-]*$")
		}
	}
	if len(rc.Tags) > 1 {
		return nil, invalid("ResourceCollection.Tags", "tend analyses one tag key; give one")
	}
	cur := Coverage{Mode: "all"}
	if h.o.Coverage != nil {
		cur = h.o.Coverage()
	}
	next, e := applyUpdate(cur, req.Action, stacks, rc.Tags)
	if e != nil {
		return nil, e
	}
	if err := h.o.SetCoverage(ctx, next); err != nil {
		h.log.ErrorContext(ctx, "update the coverage", "err", err)
		return nil, internal()
	}
	h.log.InfoContext(ctx, "coverage changed through the DevOps Guru API", "by", c.p.KeyID, "mode", next.Mode,
		"stacks", next.Stacks, "tag_key", next.TagKey, "tag_values", next.TagValues)
	return struct{}{}, nil
}

// applyUpdate returns cur with stacks or one tag added or removed.
func applyUpdate(cur Coverage, action string, stacks []string, tags []TagCollection) (Coverage, *Error) {
	if cur.Mode == "" {
		cur.Mode = "all"
	}
	if len(stacks) > 0 {
		all := slices.Contains(stacks, "*")
		switch {
		case action == "ADD" && all:
			return Coverage{Mode: "all"}, nil
		case action == "ADD" && cur.Mode == "stacks":
			return Coverage{Mode: "stacks", Stacks: union(cur.Stacks, stacks)}, nil
		case action == "ADD":
			return Coverage{Mode: "stacks", Stacks: union(nil, stacks)}, nil
		case all && (cur.Mode == "all" || cur.Mode == "stacks"):
			return none, nil
		case cur.Mode == "stacks":
			return Coverage{Mode: "stacks", Stacks: minus(cur.Stacks, stacks)}, nil
		case cur.Mode == "all":
			return cur, invalidCombination("ResourceCollection.CloudFormation.StackNames",
				"every resource is analysed (StackNames [\"*\"]): tend cannot analyse all but some stacks; ADD the stacks to analyse instead")
		default:
			return cur, invalidCombination("ResourceCollection.CloudFormation.StackNames", "tend analyses the tag %s, not stacks: nothing to remove", cur.TagKey)
		}
	}
	t := tags[0]
	key := strings.TrimSpace(t.AppBoundaryKey)
	lower := strings.ToLower(key)
	if !strings.HasPrefix(lower, "devops-guru-") || len(key) > 128 || len(key) <= len("devops-guru-") {
		return cur, invalid("ResourceCollection.Tags.AppBoundaryKey", "must start with devops-guru- (case-insensitive) and name the application, e.g. devops-guru-app")
	}
	if len(t.TagValues) > 100 {
		return cur, invalid("ResourceCollection.Tags.TagValues", "Member must have length less than or equal to 100")
	}
	for _, v := range t.TagValues {
		if len(v) > 256 {
			return cur, invalid("ResourceCollection.Tags.TagValues", "Member must have length less than or equal to 256")
		}
	}
	anyValue := len(t.TagValues) == 0 || slices.Contains(t.TagValues, "*")
	sameKey := cur.Mode == "tag" && strings.EqualFold(cur.TagKey, key)
	switch {
	case action == "ADD" && anyValue:
		return Coverage{Mode: "tag", TagKey: key}, nil
	case action == "ADD" && sameKey && len(cur.TagValues) == 0:
		return cur, nil // every value is analysed already
	case action == "ADD" && sameKey:
		return Coverage{Mode: "tag", TagKey: cur.TagKey, TagValues: union(cur.TagValues, t.TagValues)}, nil
	case action == "ADD" && cur.Mode == "tag":
		return cur, invalidCombination("ResourceCollection.Tags.AppBoundaryKey", "tend analyses one tag key, %s: REMOVE it before adding %s", cur.TagKey, key)
	case action == "ADD":
		return Coverage{Mode: "tag", TagKey: key, TagValues: union(nil, t.TagValues)}, nil
	case !sameKey:
		return cur, invalidCombination("ResourceCollection.Tags.AppBoundaryKey", "the tag %s is not analysed: nothing to remove", key)
	case anyValue:
		return none, nil
	case len(cur.TagValues) == 0:
		return cur, invalidCombination("ResourceCollection.Tags.TagValues",
			"every value of %s is analysed: tend cannot analyse all but some values; REMOVE \"*\" and ADD the values to analyse", cur.TagKey)
	default:
		left := minus(cur.TagValues, t.TagValues)
		if len(left) == 0 {
			return none, nil
		}
		return Coverage{Mode: "tag", TagKey: cur.TagKey, TagValues: left}, nil
	}
}

func union(a, b []string) []string {
	out := append([]string{}, a...)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func minus(a, b []string) []string {
	out := []string{}
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}
