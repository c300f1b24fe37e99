package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/insight"
	"github.com/tendhq/tend/internal/store"
)

// MaxInsightRange is the longest time range GET /v1/insights accepts, as
// in DevOps Guru.
const MaxInsightRange = 180 * 24 * time.Hour

// InsightDetail is an insight with its anomalies, its related events and
// the recommendations made with them, as GET /v1/insights/{id} returns it.
type InsightDetail = insight.Detail

// InsightsOptions configure the insight endpoints.
type InsightsOptions struct {
	Now func() time.Time
	// Lookback is how long before an insight's start a related event may
	// be (events.lookback; 3h when zero).
	Lookback time.Duration
	// Policies are the problem types remediation policies act on, for the
	// recommendations (nil: unknown).
	Policies func() map[string]bool
}

// RegisterInsights serves the insight read endpoints:
//
//	GET /v1/insights            list, newest first, filtered and paged
//	GET /v1/insights/{id}       one insight with its anomalies and excerpts,
//	                            related events and recommendations
//	GET /v1/anomalies/{id}      one anomaly
func RegisterInsights(a *API, s store.Store, now func() time.Time) {
	RegisterInsightsWith(a, s, InsightsOptions{Now: now})
}

// RegisterInsightsWith is RegisterInsights with the related events'
// look-back window and the policies in force.
func RegisterInsightsWith(a *API, s store.Store, o InsightsOptions) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	a.Read("GET /v1/insights", func(w http.ResponseWriter, r *http.Request) {
		f, err := InsightFilterFromQuery(r.URL.Query(), now())
		if err != nil {
			WriteError(w, r, err)
			return
		}
		if f, err = ScopeInsightFilter(r.Context(), s.Org(), f, r.URL.Query()); err != nil {
			WriteError(w, r, err)
			return
		}
		page, err := s.Insights().List(r.Context(), f)
		if errors.Is(err, store.ErrInvalidCursor) {
			WriteError(w, r, BadRequest("cursor", "is not a cursor this server issued: pass the \"next\" value of the previous page unchanged"))
			return
		}
		if err != nil {
			WriteError(w, r, err)
			return
		}
		WriteJSON(w, http.StatusOK, page)
	})
	a.Read("GET /v1/insights/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		d, err := insight.LoadDetail(r.Context(), s, id, insight.DetailOptions{Lookback: o.Lookback, Policies: o.Policies, Now: now})
		p := Principal(r)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !p.SeesInsight(d.Account, d.CreatedAt)) {
			WriteError(w, r, NotFound("no insight %q", id))
			return
		}
		if err != nil {
			WriteError(w, r, err)
			return
		}
		kept := d.Events[:0]
		for _, e := range d.Events {
			if p.SeesAccount(e.Account) || e.Account == "" && p.SeesInsight(d.Account, d.CreatedAt) {
				kept = append(kept, e)
			}
		}
		d.Events = kept
		WriteJSON(w, http.StatusOK, d)
	})
	a.Read("GET /v1/anomalies/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		an, err := s.Anomalies().Get(r.Context(), id)
		if err == nil {
			var in store.Insight
			if in, err = s.Insights().Get(r.Context(), an.InsightID); err == nil && !Principal(r).SeesInsight(in.Account, in.CreatedAt) {
				err = store.ErrNotFound
			}
		}
		if errors.Is(err, store.ErrNotFound) {
			WriteError(w, r, NotFound("no anomaly %q", id))
			return
		}
		if err != nil {
			WriteError(w, r, err)
			return
		}
		WriteJSON(w, http.StatusOK, an)
	})
}

var insightQueryKeys = map[string]bool{"type": true, "status": true, "severity": true, "stack": true, "app": true,
	"resource": true, "account": true, "ou": true, "region": true, "from": true, "to": true, "since": true, "limit": true, "cursor": true}

// ScopeInsightFilter applies the organisation and the caller to a filter:
// the OUs of the query's "ou" (at most 5) become the accounts directly
// under them, and the list is restricted to what the request's principal
// may see (access.Principal.Visibility). An unknown OU is a 400.
func ScopeInsightFilter(ctx context.Context, org store.Org, f store.InsightFilter, q url.Values) (store.InsightFilter, error) {
	if raw := strings.TrimSpace(q.Get("ou")); raw != "" {
		var ous []string
		for _, o := range strings.Split(raw, ",") {
			if o = strings.TrimSpace(o); o != "" && !slices.Contains(ous, o) {
				ous = append(ous, o)
			}
		}
		accounts, err := access.AccountsUnder(ctx, org, ous)
		if errors.Is(err, store.ErrNotFound) {
			return f, BadRequest("ou", "%v", errors.Unwrap(err))
		}
		if err != nil {
			return f, err
		}
		if len(accounts) == 0 {
			accounts = []string{"\x00none"} // no account directly under them: nothing matches
		}
		f.Accounts = accounts
	}
	p, _ := access.FromContext(ctx)
	f.Visible = p.Visibility()
	return f, nil
}

// InsightFilterFromQuery reads the filters of GET /v1/insights. Without
// from (or since) the range is the 180 days before to (default now).
func InsightFilterFromQuery(q url.Values, now time.Time) (store.InsightFilter, error) {
	var f store.InsightFilter
	for k, v := range q {
		if !insightQueryKeys[k] {
			if k == "" {
				return f, BadRequest("query", "has a parameter without a name")
			}
			return f, BadRequest(k, "unknown filter; use type, status, severity, stack, app, resource, account, ou, region, from, to, since, limit or cursor")
		}
		if len(v) > 1 {
			return f, BadRequest(k, "given %d times; give it once (lists are comma-separated)", len(v))
		}
		if len(v[0]) > 512 {
			return f, BadRequest(k, "is longer than 512 characters")
		}
	}
	oneOf := func(key string, allowed ...string) ([]string, error) {
		raw := strings.TrimSpace(q.Get(key))
		if raw == "" {
			return nil, nil
		}
		var out []string
		for _, v := range strings.Split(raw, ",") {
			v = strings.ToUpper(strings.TrimSpace(v))
			ok := false
			for _, a := range allowed {
				ok = ok || v == a
			}
			if !ok {
				return nil, BadRequest(key, "%q is not one of %s", v, strings.ToLower(strings.Join(allowed, ", ")))
			}
			out = append(out, v)
		}
		return out, nil
	}
	types, err := oneOf("type", store.InsightReactive, store.InsightProactive)
	if err != nil {
		return f, err
	}
	if len(types) > 1 {
		return f, BadRequest("type", "give one type: reactive or proactive")
	}
	if len(types) == 1 {
		f.Type = types[0]
	}
	if f.Statuses, err = oneOf("status", store.InsightOngoing, store.InsightClosed); err != nil {
		return f, err
	}
	if f.Severities, err = oneOf("severity", store.SeverityLow, store.SeverityMedium, store.SeverityHigh); err != nil {
		return f, err
	}
	f.Stack, f.App, f.Resource = strings.TrimSpace(q.Get("stack")), strings.TrimSpace(q.Get("app")), strings.TrimSpace(q.Get("resource"))
	if raw := strings.TrimSpace(q.Get("account")); raw != "" {
		for _, a := range strings.Split(raw, ",") {
			if a = strings.TrimSpace(a); a != "" {
				f.Accounts = append(f.Accounts, a)
			}
		}
		if len(f.Accounts) > access.MaxFilterAccounts {
			return f, BadRequest("account", "at most 5 accounts at once (got %d)", len(f.Accounts))
		}
	}
	if raw := strings.TrimSpace(q.Get("ou")); raw != "" {
		if len(f.Accounts) > 0 {
			return f, BadRequest("ou", "give accounts or OUs, not both")
		}
		if n := len(strings.Split(raw, ",")); n > access.MaxFilterAccounts {
			return f, BadRequest("ou", "at most 5 organisational units at once (got %d)", n)
		}
	}
	if raw := strings.TrimSpace(q.Get("region")); raw != "" {
		if !access.ValidAccount(raw) {
			return f, BadRequest("region", "%q is not a region such as eu-west-1", raw)
		}
		f.Region = raw
	}
	// to is exclusive; without it the range runs up to now, inclusive.
	to := now
	if raw := q.Get("to"); raw != "" {
		t, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			return f, BadRequest("to", "%q is not an RFC 3339 time such as 2026-11-21T15:04:05Z", raw)
		}
		if t.Year() < 1970 || t.Year() > 9999 {
			return f, BadRequest("to", "%q is outside the years 1970–9999", raw)
		}
		f.To, to = t, t
	}
	switch {
	case q.Get("from") != "" && q.Get("since") != "":
		return f, BadRequest("since", "give from or since, not both")
	case q.Get("from") != "":
		t, err := time.Parse(time.RFC3339, q.Get("from"))
		if err != nil {
			return f, BadRequest("from", "%q is not an RFC 3339 time such as 2026-11-21T15:04:05Z", q.Get("from"))
		}
		if t.Year() < 1970 || t.Year() > 9999 {
			return f, BadRequest("from", "%q is outside the years 1970–9999", q.Get("from"))
		}
		f.From = t
	case q.Get("since") != "":
		d, err := parseSince(q.Get("since"))
		if err != nil {
			return f, err
		}
		f.From = to.Add(-d)
	default:
		f.From = to.Add(-MaxInsightRange)
	}
	if !f.From.Before(to) {
		return f, BadRequest("from", "must be before to (%s is not before %s)", f.From.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	if span := to.Sub(f.From); span > MaxInsightRange {
		field := "from"
		if q.Get("since") != "" {
			field = "since"
		}
		return f, BadRequest(field, "the range from %s to %s is %.1f days; at most 180 days can be listed at once",
			f.From.Format(time.RFC3339), to.Format(time.RFC3339), span.Hours()/24)
	}
	if raw := q.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 1000 {
			return f, BadRequest("limit", "must be a whole number from 1 to 1000 (got %q)", raw)
		}
		f.Limit = n
	}
	f.Cursor = q.Get("cursor")
	return f, nil
}

// parseSince reads Nd, Nw, Nm (30 days, as in the DevOps Guru console) or
// a Go duration such as 12h.
func parseSince(s string) (time.Duration, error) {
	bad := BadRequest("since", "%q is not a duration: use 12h, 1d, 1w or 1m (m is 30 days), or a duration such as 36h", s)
	if len(s) >= 2 {
		n, err := strconv.Atoi(s[:len(s)-1])
		unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour, 'm': 30 * 24 * time.Hour}[s[len(s)-1]]
		if err == nil && unit > 0 {
			if n <= 0 || n > 100000 {
				return 0, bad
			}
			return time.Duration(n) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}
