package api

import (
	"net/http"

	"github.com/tendhq/tend/internal/remediate/policy"
)

// PolicyView is a loaded policy as the API shows it.
type PolicyView struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Mode        string `json:"mode"`
	Action      string `json:"action"`
	File        string `json:"file"`
	Line        int    `json:"line"`
}

// PolicyList is the answer of GET /v1/policies and of a successful reload.
type PolicyList struct {
	Policies []PolicyView `json:"policies"`
}

// RegisterPolicies adds GET /v1/policies (the policies in force, no key)
// and, when reload is not nil, POST /v1/policies/reload (API key), which
// loads the policy directory again: 200 with the new policies, or 422 with
// every error (file:line) and the old policies still in force.
func RegisterPolicies(a *API, current func() *policy.Set, reload func() (*policy.Set, error)) {
	a.Read("GET /v1/policies", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, policyList(current()))
	})
	if reload == nil {
		return
	}
	a.Admin("POST /v1/policies/reload", func(w http.ResponseWriter, r *http.Request) {
		set, err := reload()
		if err != nil {
			WriteError(w, r, &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_policies",
				Message: err.Error() + "\n(the policies loaded before stay in force; check with `tend policy validate DIR`)"})
			return
		}
		WriteJSON(w, http.StatusOK, policyList(set))
	})
}

func policyList(s *policy.Set) PolicyList {
	out := PolicyList{Policies: []PolicyView{}}
	if s == nil {
		return out
	}
	for _, p := range s.Policies {
		out.Policies = append(out.Policies, PolicyView{Name: p.Name, Description: p.Description, Mode: string(p.Mode),
			Action: p.Act.Action, File: p.File, Line: p.Line})
	}
	return out
}
