package api

import (
	"encoding/json"
	"net/http"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/watch"
)

// What the caller may see of lists without an account filter in the
// store (package access decides; the list's page may then hold fewer
// items than its limit, and its cursor still continues it).

func visibleEvents(r *http.Request, list []store.Event) []store.Event {
	p := Principal(r)
	if p.AllAccounts() {
		return list
	}
	out := []store.Event{}
	for _, e := range list {
		if p.SeesAccount(e.Account) {
			out = append(out, e)
		}
	}
	return out
}

// ProblemAccount is the account a stored problem belongs to: its "account"
// tag ("" when it has none).
func ProblemAccount(body []byte) string {
	var p struct {
		Tags map[string]string `json:"tags"`
	}
	if json.Unmarshal(body, &p) != nil {
		return ""
	}
	return p.Tags["account"]
}

func visibleProblems(r *http.Request, list []store.ProblemRecord) []store.ProblemRecord {
	p := Principal(r)
	if p.AllAccounts() {
		return list
	}
	var out []store.ProblemRecord
	for _, x := range list {
		if p.SeesAccount(ProblemAccount(x.Body)) {
			out = append(out, x)
		}
	}
	return out
}

// visibleSeries pages the series of the accounts p may see (their
// boundary's account).
func visibleSeries(p access.Principal, l SeriesLister, sel series.Selector, offset, limit int) ([]watch.Status, int) {
	all, _ := l.List(sel, 0, 0)
	var mine []watch.Status
	for _, s := range all {
		if p.SeesAccount(s.Boundary.Account) {
			mine = append(mine, s)
		}
	}
	total := len(mine)
	if offset >= total {
		return nil, total
	}
	return mine[offset:min(total, offset+limit)], total
}
