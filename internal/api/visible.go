package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/watch"
)

// What the caller may see of lists without an account filter in the
// store (package access decides).

// listVisibleEvents reads a page of events the caller may see: for a
// credential limited to accounts, the store keeps to the accounts it sees
// (its own, and an organisation's when it is the delegated administrator),
// so that every page is full and its cursor continues it.
func listVisibleEvents(r *http.Request, st store.Events, f store.EventFilter) (store.EventPage, error) {
	p := Principal(r)
	if p.AllAccounts() {
		return st.List(r.Context(), f)
	}
	f.Accounts = []string{}
	for _, a := range p.VisibleAccounts() {
		if f.Account == "" || a == f.Account {
			f.Accounts = append(f.Accounts, a)
		}
	}
	return st.List(r.Context(), f)
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

// maxProblemScan is how many of the newest problems are looked through for
// a credential limited to accounts (problems keep their account in their
// body's tags, which the store does not index).
const maxProblemScan = 5000

// listVisibleProblems returns the newest problems the caller may see, at
// most f.Limit: for a credential limited to accounts, from the newest
// maxProblemScan problems of every account.
func listVisibleProblems(r *http.Request, st store.Problems, f store.ProblemFilter) ([]store.ProblemRecord, error) {
	p := Principal(r)
	if p.AllAccounts() {
		return st.List(r.Context(), f)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	f.Limit = maxProblemScan
	list, err := st.List(r.Context(), f)
	if err != nil {
		return nil, err
	}
	var out []store.ProblemRecord
	for _, x := range list {
		if len(out) == limit {
			break
		}
		if p.SeesAccount(ProblemAccount(x.Body)) {
			out = append(out, x)
		}
	}
	return out, nil
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

// stampAccount is the account data pushed by p is recorded under: a
// credential limited to one account labels unlabelled data with it; data
// labelled with an account the credential may not see is refused (403
// naming field). Credentials over every account push as they like.
func stampAccount(p access.Principal, field, have string) (string, error) {
	if p.AllAccounts() {
		return have, nil
	}
	if have == "" && len(p.Accounts) == 1 {
		return p.Accounts[0], nil
	}
	if have == "" || !p.SeesAccount(have) {
		return "", &Error{Status: http.StatusForbidden, Code: "forbidden", Field: field,
			Message: fmt.Sprintf("this credential may push data of %s only (got %q)", strings.Join(p.Accounts, ", "), have)}
	}
	return have, nil
}

func stampEventAccounts(r *http.Request, evs []store.Event) error {
	p := Principal(r)
	for i := range evs {
		a, err := stampAccount(p, fmt.Sprintf("[%d].account", i), evs[i].Account)
		if err != nil {
			return err
		}
		evs[i].Account = a
	}
	return nil
}

func stampProblemAccount(ctx context.Context, pr *problem.Problem) error {
	p, _ := access.FromContext(ctx)
	a, err := stampAccount(p, "tags.account", pr.Tags["account"])
	if err != nil || a == "" {
		return err
	}
	if pr.Tags == nil {
		pr.Tags = map[string]string{}
	}
	pr.Tags["account"] = a
	return nil
}

// RunVisible reports whether p may see a remediation run: runs are of the
// account of the problem that started them (its account tag).
func RunVisible(ctx context.Context, problems store.Problems, p access.Principal, run store.Run) bool {
	if p.AllAccounts() {
		return true
	}
	if problems == nil {
		return false
	}
	pr, err := problems.Get(ctx, run.ProblemID)
	return err == nil && p.SeesAccount(ProblemAccount(pr.Body))
}

// sampleAccountLabels are the labels a series' account is read from (as
// package series reads them).
var sampleAccountLabels = []string{"cloud.account.id", "account", "account_id", "aws_account_id", "AccountId"}

// stampSampleAccounts applies stampAccount to metrics: for a credential
// limited to accounts, a series labelled with another account refuses the
// request (nothing is accepted), and one without an account label gets
// account=<the key's account> when the key has one. Samples of a series
// share their label slice, so each distinct slice is checked once.
func stampSampleAccounts(p access.Principal, samples []ingest.Sample) error {
	if p.AllAccounts() {
		return nil
	}
	done := map[*ingest.Label][]ingest.Label{}
	for i := range samples {
		ls := samples[i].Labels
		var key *ingest.Label
		if len(ls) > 0 {
			key = &ls[0]
			if out, ok := done[key]; ok {
				samples[i].Labels = out
				continue
			}
		}
		have := ""
		for _, l := range ls {
			if slices.Contains(sampleAccountLabels, l.Name) {
				have = l.Value
				break
			}
		}
		acct, err := stampAccount(p, "account", have)
		if err != nil {
			return err
		}
		out := ls
		if have == "" {
			out = make([]ingest.Label, 0, len(ls)+1)
			at, _ := slices.BinarySearchFunc(ls, "account", func(l ingest.Label, name string) int { return strings.Compare(l.Name, name) })
			out = append(append(append(out, ls[:at]...), ingest.Label{Name: "account", Value: acct}), ls[at:]...)
		}
		if key != nil {
			done[key] = out
		}
		samples[i].Labels = out
	}
	return nil
}
