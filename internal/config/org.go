package config

import (
	"fmt"
	"regexp"
)

// Org declares the organisation: accounts and organisational units as a
// tree (as AWS Organizations has it; the root is "root") and its delegated
// administrator. tend adds what is declared here to its store at start;
// `tend org …` manages the same tree (docs/api.md, "Organisations").
type Org struct {
	// Organisational units, each {id, name, parent}; parent is "root" or
	// another unit's id. In the environment: a JSON list.
	Units []OrgNode `yaml:"units"`
	// Accounts, each {id, name, parent}; parent is "root" or a unit's id.
	// In the environment: a JSON list.
	Accounts []OrgNode `yaml:"accounts"`
	// The delegated administrator: an account of the list whose keys see
	// the organisation's insights created after it became administrator.
	DelegatedAdmin string `yaml:"delegated_admin"`
}

// OrgNode is an OU or an account of org.units / org.accounts.
type OrgNode struct {
	ID     string `yaml:"id" json:"id"`
	Name   string `yaml:"name" json:"name"`
	Parent string `yaml:"parent" json:"parent"`
}

var validOrgID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

func (c Org) validate() []FieldError {
	var errs []FieldError
	bad := func(key, format string, a ...any) {
		errs = append(errs, FieldError{Key: key, Reason: fmt.Sprintf(format, a...)})
	}
	units := map[string]string{} // id → parent
	seen := map[string]string{}  // id → the key that declared it
	for i, u := range c.Units {
		key := fmt.Sprintf("org.units[%d]", i)
		switch {
		case !validOrgID.MatchString(u.ID) || u.ID == "root":
			bad(key+".id", "%q is not an OU id (letters, digits, . _ : -, at most 64; not root)", u.ID)
		case seen[u.ID] != "":
			bad(key+".id", "%q is also %s", u.ID, seen[u.ID])
		default:
			seen[u.ID], units[u.ID] = key, u.Parent
		}
	}
	parentOK := func(key, parent string) {
		if parent == "" || parent == "root" {
			return
		}
		if _, ok := units[parent]; !ok {
			bad(key+".parent", "%q is not root or an OU of org.units", parent)
		}
	}
	for i, u := range c.Units {
		key := fmt.Sprintf("org.units[%d]", i)
		parentOK(key, u.Parent)
		for at, n := u.Parent, 0; at != "" && at != "root" && n <= len(units); at, n = units[at], n+1 {
			if at == u.ID {
				bad(key+".parent", "OU %q would be inside itself", u.ID)
				break
			}
		}
	}
	accounts := map[string]bool{}
	for i, a := range c.Accounts {
		key := fmt.Sprintf("org.accounts[%d]", i)
		switch {
		case !validOrgID.MatchString(a.ID):
			bad(key+".id", "%q is not an account id (letters, digits, . _ : -, at most 64)", a.ID)
		case seen[a.ID] != "":
			bad(key+".id", "%q is also %s", a.ID, seen[a.ID])
		default:
			seen[a.ID], accounts[a.ID] = key, true
		}
		parentOK(key, a.Parent)
	}
	if c.DelegatedAdmin != "" && !accounts[c.DelegatedAdmin] {
		bad("org.delegated_admin", "%q is not an account of org.accounts", c.DelegatedAdmin)
	}
	return errs
}
