package cli

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/store"
)

var _ = registerCommand(newEventsCmd)

func newEventsCmd(g *globals) *cobra.Command {
	var base, key string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "events",
		Short: "List and show the change events a running tend keeps",
		Long: `Change events are deployments, configuration changes, API calls and tend's own
actions (catalog versions, self-healing runs, rollouts, Terraform imports) that
tend links to insights as "what changed just before". Send them with
POST /v1/events and the other intakes (docs/insights.md, "Related events");
these commands read them over the HTTP API of a running tend: --url, else
TEND_URL, else the server.listen address of the configuration, with an API
key (--api-key, else TEND_API_KEY).`,
	}
	cmd.PersistentFlags().StringVar(&base, "url", "", "URL of the running tend (default: TEND_URL, else http://<server.listen>)")
	cmd.PersistentFlags().BoolVar(&asJSON, "json", false, "print the API's JSON instead of tables")
	cmd.PersistentFlags().StringVar(&key, "api-key", "", "API key with the read scope (default: TEND_API_KEY)")
	client := func(c *cobra.Command) (insightClient, error) {
		u, err := g.serverURL(c, base)
		return insightClient{base: u, http: &http.Client{Timeout: 30 * time.Second}, key: g.apiKey(key)}, err
	}

	var f struct {
		source, class, resource, stack, app, namespace, account, since, from, to string
		limit                                                                    int
		all                                                                      bool
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List events, newest first",
		Example: `  tend events list --since 1d
  tend events list --class deployment,config_change --stack shop
  tend events list --resource cart-0 --all --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cl, err := client(c)
			if err != nil {
				return err
			}
			q := url.Values{}
			for k, v := range map[string]string{"source": f.source, "class": f.class, "resource": f.resource, "stack": f.stack, "app": f.app,
				"namespace": f.namespace, "account": f.account, "since": f.since, "from": f.from, "to": f.to} {
				if v != "" {
					q.Set(k, v)
				}
			}
			if f.limit > 0 {
				q.Set("limit", fmt.Sprint(f.limit))
			}
			all, more, err := listAll(c.Context(), cl, "/v1/events", q, f.all, func(p store.EventPage) ([]store.Event, string) { return p.Events, p.Next })
			if err != nil {
				return err
			}
			if more && !asJSON {
				defer fmt.Fprintln(c.ErrOrStderr(), "More events match: add --all, or narrow the filters.")
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), store.EventPage{Events: all})
			}
			return printEvents(c.OutOrStdout(), all)
		},
	}
	lf := list.Flags()
	lf.StringVar(&f.source, "source", "", "where tend got them: api, cloudtrail, kubernetes, github, grafana, tend (comma-separated)")
	lf.StringVar(&f.class, "class", "", "deployment, config_change, infrastructure, schema_change, security_change (comma-separated)")
	lf.StringVar(&f.resource, "resource", "", "events that touched this resource (id or name)")
	lf.StringVar(&f.stack, "stack", "", "events of this stack")
	lf.StringVar(&f.app, "app", "", "events of this tagged application")
	lf.StringVar(&f.namespace, "namespace", "", "events of this Kubernetes namespace")
	lf.StringVar(&f.account, "account", "", "events of this account")
	lf.StringVar(&f.since, "since", "", "events of the last 12h, 1d, 1w, 1m … (instead of --from)")
	lf.StringVar(&f.from, "from", "", "events at or after this RFC 3339 time")
	lf.StringVar(&f.to, "to", "", "events before this RFC 3339 time (default now)")
	lf.IntVar(&f.limit, "limit", 0, "page size, 1–1000 (default 100)")
	lf.BoolVar(&f.all, "all", false, "follow the pages to the end")

	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one event with its resources, links and details",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := client(c)
			if err != nil {
				return err
			}
			var ev store.Event
			if err := cl.get(c.Context(), "/v1/events/"+url.PathEscape(args[0]), nil, &ev); err != nil {
				return err
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), ev)
			}
			return printEvent(c.OutOrStdout(), ev)
		},
	}
	cmd.AddCommand(list, show)
	return cmd
}

func printEvents(w io.Writer, evs []store.Event) error {
	if len(evs) == 0 {
		_, err := fmt.Fprintln(w, "No events match.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tCLASS\tNAME\tSOURCE\tACTOR\tRESOURCES\tBOUNDARY")
	for _, e := range evs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Time.Local().Format("2006-01-02 15:04:05"), e.Class, truncate(e.Name, 48),
			strings.TrimSpace(e.Source+" "+e.EventSource), dash(e.Actor), dash(truncate(eventResources(e), 40)), dash(eventBoundary(e)))
	}
	return tw.Flush()
}

func printEvent(w io.Writer, e store.Event) error {
	fmt.Fprintf(w, "%s\n%s\n\n", e.Name, strings.Repeat("=", len([]rune(e.Name))))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, row := range [][2]string{{"ID", e.ID}, {"Time", e.Time.Local().Format("2006-01-02 15:04:05 MST")}, {"Class", e.Class},
		{"Source", strings.TrimSpace(e.Source + " " + e.EventSource)}, {"Actor", dash(e.Actor)}, {"Boundary", dash(eventBoundary(e))},
		{"Key", dash(e.Key)}, {"Received", e.ReceivedAt.Local().Format("2006-01-02 15:04:05 MST")}} {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(e.Resources) > 0 {
		fmt.Fprintln(w, "\nResources")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  TYPE\tNAME\tID")
		for _, r := range e.Resources {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", dash(r.Type), dash(r.Name), dash(r.ID))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(e.Links) > 0 {
		fmt.Fprintln(w, "\nLinks")
		for _, l := range e.Links {
			fmt.Fprintf(w, "  %s %s\n", dash(l.Title), l.URL)
		}
	}
	if len(e.Details) > 0 {
		fmt.Fprintln(w, "\nDetails")
		keys := make([]string, 0, len(e.Details))
		for k := range e.Details {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  %s: %s\n", k, e.Details[k])
		}
	}
	return nil
}

func eventResources(e store.Event) string {
	var names []string
	for _, r := range e.Resources {
		n := r.Name
		if n == "" {
			n = r.ID
		}
		names = append(names, n)
	}
	return strings.Join(names, ", ")
}

func eventBoundary(e store.Event) string {
	var parts []string
	for _, p := range [][2]string{{"stack", e.Stack}, {"app", e.App}, {"namespace", e.Namespace}, {"account", e.Account}, {"region", e.Region}} {
		if p[1] != "" {
			parts = append(parts, p[0]+" "+p[1])
		}
	}
	return strings.Join(parts, ", ")
}
