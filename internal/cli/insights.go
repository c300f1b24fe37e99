package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/store"
)

var _ = registerCommand(newInsightsCmd)

// insightClient reads insights from a running tend over its HTTP API.
type insightClient struct {
	base string
	http *http.Client
	key  string // API key with the read scope ("" sends none)
}

// listAll reads a paged list: the first page, or with all every page
// (following Next as the cursor). more says a further page was left.
func listAll[P, T any](ctx context.Context, c insightClient, path string, q url.Values, all bool, items func(P) ([]T, string)) (got []T, more bool, err error) {
	for {
		var page P
		if err := c.get(ctx, path, q, &page); err != nil {
			return nil, false, err
		}
		its, next := items(page)
		got = append(got, its...)
		if next == "" || !all {
			return got, next != "", nil
		}
		q.Set("cursor", next)
	}
}

func (c insightClient) get(ctx context.Context, path string, q url.Values, v any) error {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) {
			return fmt.Errorf("cannot reach tend at %s: %v (is `tend serve` running? point --url or TEND_URL at it)", c.base, op.Err)
		}
		return fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("GET %s: read response: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error api.Error }
		if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
			if e.Error.Field != "" {
				return fmt.Errorf("tend refused the request (%d): %s: %s", resp.StatusCode, e.Error.Field, e.Error.Message)
			}
			return fmt.Errorf("tend answered %d: %s", resp.StatusCode, e.Error.Message)
		}
		return fmt.Errorf("GET %s: tend answered %s", u, resp.Status)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: the answer is not the JSON expected (is %s a tend?): %w", u, c.base, err)
	}
	return nil
}

func newInsightsCmd(g *globals) *cobra.Command {
	var base, key string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "insights",
		Aliases: []string{"insight"},
		Short:   "List and show insights from a running tend",
		Long: `Insights group anomalous metrics of one application boundary (a stack, a tagged
application, a Kubernetes namespace) into one problem a person can act on.
These commands read them over the HTTP API of a running tend: --url, else
TEND_URL, else the server.listen address of the configuration, with an API
key that has the read scope (--api-key, else TEND_API_KEY): you see what
that key may see (its accounts).`,
	}
	cmd.PersistentFlags().StringVar(&base, "url", "", "URL of the running tend (default: TEND_URL, else http://<server.listen>)")
	cmd.PersistentFlags().BoolVar(&asJSON, "json", false, "print the API's JSON instead of tables")
	cmd.PersistentFlags().StringVar(&key, "api-key", "", "API key with the read scope (default: TEND_API_KEY)")
	client := func(c *cobra.Command) (insightClient, error) {
		u, err := g.serverURL(c, base)
		return insightClient{base: u, http: &http.Client{Timeout: 30 * time.Second}, key: g.apiKey(key)}, err
	}

	var f struct {
		typ, status, severity, stack, app, resource, account, ou, region, since, from, to string
		limit                                                                             int
		all                                                                               bool
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List insights, newest first",
		Example: `  tend insights list
  tend insights list --status ongoing --severity high,medium
  tend insights list --stack shop --since 1w
  tend insights list --ou ou-prod --region eu-west-1 --since 1d
  tend insights list --resource web-1 --all --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cl, err := client(c)
			if err != nil {
				return err
			}
			q := url.Values{}
			for k, v := range map[string]string{"type": f.typ, "status": f.status, "severity": f.severity, "stack": f.stack,
				"app": f.app, "resource": f.resource, "account": f.account, "ou": f.ou, "region": f.region, "since": f.since, "from": f.from, "to": f.to} {
				if v != "" {
					q.Set(k, v)
				}
			}
			if f.limit > 0 {
				q.Set("limit", fmt.Sprint(f.limit))
			}
			all, more, err := listAll(c.Context(), cl, "/v1/insights", q, f.all, func(p store.InsightPage) ([]store.Insight, string) { return p.Insights, p.Next })
			if err != nil {
				return err
			}
			if more && !asJSON {
				defer fmt.Fprintln(c.ErrOrStderr(), "More insights match: add --all, or narrow the filters.")
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), store.InsightPage{Insights: all})
			}
			return printInsights(c.OutOrStdout(), all, time.Now())
		},
	}
	fl := list.Flags()
	fl.StringVar(&f.typ, "type", "", "reactive or proactive")
	fl.StringVar(&f.status, "status", "", "ongoing, closed (comma-separated)")
	fl.StringVar(&f.severity, "severity", "", "low, medium, high (comma-separated)")
	fl.StringVar(&f.stack, "stack", "", "only insights of this stack")
	fl.StringVar(&f.app, "app", "", "only insights of this tagged application (the tag's value)")
	fl.StringVar(&f.resource, "resource", "", "only insights involving this resource (id or name)")
	fl.StringVar(&f.account, "account", "", "only these accounts (up to 5, comma-separated)")
	fl.StringVar(&f.ou, "ou", "", "only accounts directly under these organisational units (up to 5, comma-separated; see tend org list)")
	fl.StringVar(&f.region, "region", "", "only insights of this region")
	fl.StringVar(&f.since, "since", "", "started within: 12h, 1d, 1w, 1m (30 days) … (default and maximum: 180 days)")
	fl.StringVar(&f.from, "from", "", "started at or after this RFC 3339 time")
	fl.StringVar(&f.to, "to", "", "started before this RFC 3339 time")
	fl.IntVar(&f.limit, "limit", 0, "insights per page (1–1000; default 100)")
	fl.BoolVar(&f.all, "all", false, "follow every page")

	show := &cobra.Command{
		Use:     "show ID",
		Short:   "Show an insight: what, where, since when, its anomalies and what to do",
		Example: `  tend insights show ins-01JD3R8W6Q0M9V4ZK2S1X7T5EA`,
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := client(c)
			if err != nil {
				return err
			}
			var d api.InsightDetail
			if err := cl.get(c.Context(), "/v1/insights/"+url.PathEscape(args[0]), nil, &d); err != nil {
				return err
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), d)
			}
			return printInsight(c.OutOrStdout(), d, time.Now())
		},
	}
	cmd.AddCommand(list, show)
	return cmd
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
