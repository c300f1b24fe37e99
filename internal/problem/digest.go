package problem

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// Digest identifies a problem's content: two deliveries with the same
// digest are the same occurrence (a re-delivery), a changed delivery has
// another. Maps are encoded with sorted keys, so the digest is stable.
func (p Problem) Digest() string {
	b, _ := json.Marshal(p) // a Problem always encodes
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// Validate reports the first missing or invalid field, named as in JSON.
func (p Problem) Validate() error {
	switch {
	case strings.TrimSpace(p.Source) == "":
		return &FieldError{Field: "source", Reason: "is required"}
	case strings.TrimSpace(p.ExternalID) == "":
		return &FieldError{Field: "external_id", Reason: "is required: the problem's id at its source"}
	case p.State != StateOpen && p.State != StateResolved:
		return &FieldError{Field: "state", Reason: fmt.Sprintf("must be OPEN or RESOLVED (got %q)", p.State)}
	}
	for i, e := range p.Entities {
		if strings.TrimSpace(e.ID) == "" {
			return &FieldError{Field: fmt.Sprintf("entities[%d].id", i), Reason: "is required"}
		}
	}
	return nil
}

// FieldError says which field of a problem or payload is wrong, and why.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Tag returns the value of a tag on the problem or, failing that, on its
// root-cause or impacted entities (in that order), and whether it was found.
func (p Problem) Tag(key string) (string, bool) {
	if v, ok := p.Tags[key]; ok {
		return v, true
	}
	if p.RootCause != nil {
		if v, ok := p.RootCause.Tags[key]; ok {
			return v, true
		}
	}
	for _, e := range p.Entities {
		if v, ok := e.Tags[key]; ok {
			return v, true
		}
	}
	return "", false
}

// Subject returns the entity a remediation acts on: the root cause if the
// source named one, else the first impacted entity; ok is false if none.
func (p Problem) Subject() (Entity, bool) {
	if p.RootCause != nil && p.RootCause.ID != "" {
		return *p.RootCause, true
	}
	if len(p.Entities) > 0 {
		return p.Entities[0], true
	}
	return Entity{}, false
}

// ParseTags parses a comma-separated tag string as Dynatrace sends it
// ("env:prod, team, [AWS]Name:web") into key → value; a tag without a
// colon maps to "".
func ParseTags(s string) map[string]string {
	out := map[string]string{}
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		k, v, _ := strings.Cut(t, ":")
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
