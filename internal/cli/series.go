package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/humanize"
)

var _ = registerCommand(newSeriesCmd)

func newSeriesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "series",
		Short: "See the series a running tend watches",
	}
	var match, serverURL, output, key string
	var limit int
	list := &cobra.Command{
		Use:   "list [--match SELECTOR]",
		Short: "List watched series with their resource, boundary and baselining status",
		Long: `List the series a running tend watches (GET /v1/series): metric and labels,
the resource and application boundary tend derived from them, how many
samples it has seen, and whether the series is still baselining (learning,
raising nothing) or watched.`,
		Example: `  tend series list
  tend series list --match 'host_cpu_utilization{host="web-1"}'
  tend series list --match '{stack="shop"}' --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			base, err := g.serverURL(cmd, serverURL)
			if err != nil {
				return err
			}
			q := url.Values{"match": {match}, "limit": {fmt.Sprint(limit)}}
			var page api.SeriesPage
			if err := getAPI(cmd.Context(), base+"/v1/series?"+q.Encode(), g.apiKey(key), &page); err != nil {
				return err
			}
			if output == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(page)
			}
			return printSeries(cmd.OutOrStdout(), page, time.Now())
		},
	}
	list.Flags().StringVar(&match, "match", "", `series selector: a metric name and/or {label="value", label=~"regex", …}`)
	list.Flags().IntVar(&limit, "limit", 100, "most series to show (1 to 10000)")
	list.Flags().StringVar(&output, "output", "table", "table or json")
	list.Flags().StringVar(&serverURL, "url", "", "tend's URL (default from server.listen, or TEND_URL)")
	list.Flags().StringVar(&key, "api-key", "", "API key with the read scope (default: TEND_API_KEY)")
	cmd.AddCommand(list)
	return cmd
}

func printSeries(w io.Writer, page api.SeriesPage, now time.Time) error {
	if len(page.Series) == 0 {
		fmt.Fprintln(w, "No series match. Send metrics (remote_write to /api/v1/write, OTLP to /v1/metrics) or check --match.")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "METRIC\tLABELS\tRESOURCE\tBOUNDARY\tSAMPLES\tLAST\tSTATUS")
	for _, s := range page.Series {
		keys := make([]string, 0, len(s.Labels))
		for k := range s.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var ls []string
		for _, k := range keys {
			ls = append(ls, k+"="+s.Labels[k])
		}
		labels := strings.Join(ls, ",")
		if len(labels) > 48 {
			labels = labels[:45] + "..."
		}
		status := "watching"
		switch {
		case !s.Covered:
			status = "not covered"
		case s.Baselining:
			status = "baselining, " + humanize.Duration(s.BaselineEnds.Sub(s.Last)) + " left"
		}
		boundary := s.Boundary.Kind + " " + s.Boundary.Name
		if s.Boundary.Kind == "app" {
			boundary = s.Boundary.TagKey + "=" + s.Boundary.Name
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%.4g (%s ago)\t%s\n", s.Metric, labels, s.Resource.ID, boundary, s.Samples, s.LastValue, humanize.Duration(now.Sub(s.Last)), status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if page.Total > len(page.Series) {
		fmt.Fprintf(w, "\n%d of %d series shown; narrow with --match or raise --limit.\n", len(page.Series), page.Total)
	}
	return nil
}

// apiKey is the key the commands that talk to a running tend send: the
// --api-key flag, else TEND_API_KEY.
func (g *globals) apiKey(flag string) string {
	if flag != "" {
		return flag
	}
	v, _ := g.lookupEnv("TEND_API_KEY")
	return v
}

// serverURL is where a running tend answers: the --url flag, TEND_URL, or
// the configured server.listen.
func (g *globals) serverURL(cmd *cobra.Command, flag string) (string, error) {
	if flag == "" {
		if v, ok := g.lookupEnv("TEND_URL"); ok {
			flag = v
		}
	}
	if flag == "" {
		cfg, err := g.config(cmd)
		if err != nil {
			return "", err
		}
		host, port, err := net.SplitHostPort(cfg.Server.Listen)
		if err != nil {
			return "", fmt.Errorf("server.listen %q: %w", cfg.Server.Listen, err)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		flag = "http://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(flag)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--url %q is not an http(s) URL such as http://127.0.0.1:8080", flag)
	}
	return strings.TrimRight(flag, "/"), nil
}

// getAPI GETs a JSON document from tend, turning API errors into messages.
func getAPI(ctx context.Context, u, key string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reach tend at %s: %w (is `tend serve` running? set --url)", req.URL.Host, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("read tend's answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return apiError(resp, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("tend's answer is not the expected JSON: %w", err)
	}
	return nil
}

// apiError turns a JSON error answer into an error that says what is wrong.
func apiError(resp *http.Response, body []byte) error {
	var eb struct {
		Error api.Error `json:"error"`
	}
	if json.Unmarshal(body, &eb) == nil && eb.Error.Message != "" {
		return fmt.Errorf("tend answered %s: %s", resp.Status, eb.Error.Error())
	}
	return fmt.Errorf("tend answered %s: %s", resp.Status, strings.TrimSpace(string(body[:min(len(body), 300)])))
}
