package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/channel"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

var _ = registerCommand(newChannelsCmd)

func newChannelsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "channels",
		Aliases: []string{"channel"},
		Short:   "Add, list, test and remove notification channels",
		Long: `Notification channels are where tend tells people and tools about insights and
self-healing runs: a signed webhook, Slack, Prometheus Alertmanager, Amazon SNS,
PagerDuty or email (docs/notifications.md). Channels come from the
configuration file (notify.channels) or from here (and POST /v1/channels);
both live in the store, so a running tend serve picks up a change within a
second. Secrets are best given as files (--secret-file, --url-file,
--routing-key-file, --password-file): tend reads them when it sends.`,
	}
	var spec notify.Spec
	var from string
	var groupWait, rateWindow, timeout time.Duration
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a channel",
		Example: `  tend channels add ops --type webhook --url https://hooks.example.com/tend --secret-file /run/secrets/tend-hook
  tend channels add chat --type slack --url-file /run/secrets/slack-url --severity high,medium --rate-limit 10
  tend channels add am --type alertmanager --url http://alertmanager:9093 --message-type NEW_INSIGHT,CLOSED_INSIGHT,SEVERITY_UPGRADED,NEW_ASSOCIATION
  tend channels add oncall --type pagerduty --routing-key-file /run/secrets/pd-key --severity high
  tend channels add topic --type sns --topic-arn arn:aws:sns:eu-west-1:123456789012:tend
  tend channels add mail --type email --smtp mail.example.com:587 --from tend@example.com --to oncall@example.com --username tend --password-file /run/secrets/smtp
  tend channels add ops --from-file ops.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: g.withStore(func(cmd *cobra.Command, args []string, s *sqlstore.DB) error {
			if from != "" {
				data, err := os.ReadFile(from)
				if err != nil {
					return fmt.Errorf("--from-file: %w", err)
				}
				dec := yaml.NewDecoder(strings.NewReader(string(data)))
				dec.KnownFields(true)
				var fileSpec notify.Spec
				if err := dec.Decode(&fileSpec); err != nil {
					return fmt.Errorf("%s: %w", from, err)
				}
				spec = fileSpec
			}
			spec.Name = args[0]
			f := cmd.Flags()
			if f.Changed("group-wait") {
				spec.GroupWait = notify.Dur(groupWait)
			}
			if f.Changed("rate-window") {
				spec.RateWindow = notify.Dur(rateWindow)
			}
			if f.Changed("timeout") {
				spec.Timeout = notify.Dur(timeout)
			}
			if errs := spec.Validate(); len(errs) > 0 {
				var lines []string
				for _, e := range errs {
					lines = append(lines, "--"+strings.ReplaceAll(strings.ReplaceAll(e.Field, "_", "-"), "filter.", "")+": "+e.Reason)
				}
				return errors.New("invalid channel:\n  " + strings.Join(lines, "\n  "))
			}
			if _, err := spec.Resolved(); err != nil {
				return err
			}
			if old, err := s.Channels().Get(cmd.Context(), spec.Name); err == nil {
				return fmt.Errorf("a channel named %q exists (from the %s): remove it first", spec.Name, old.Source)
			}
			rec, err := spec.Record(store.ChannelFromAPI, time.Now())
			if err != nil {
				return err
			}
			if err := s.Channels().Put(cmd.Context(), rec); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Added channel %s (%s). Send it a test message: tend channels test %s\n", spec.Name, spec.Type, spec.Name)
			return nil
		}),
	}
	af := add.Flags()
	af.StringVar(&spec.Type, "type", "", "webhook, slack, alertmanager, sns, pagerduty or email")
	af.StringVar(&spec.URL, "url", "", "the endpoint (webhook, Slack incoming webhook, Alertmanager base URL, PagerDuty API base)")
	af.StringVar(&spec.URLFile, "url-file", "", "file holding --url (a Slack webhook URL is a secret)")
	af.StringVar(&spec.Secret, "secret", "", "webhook signing secret (prefer --secret-file)")
	af.StringVar(&spec.SecretFile, "secret-file", "", "file holding the webhook signing secret")
	af.StringVar(&spec.TopicARN, "topic-arn", "", "SNS topic ARN")
	af.StringVar(&spec.Region, "region", "", "SNS region (default the topic's or AWS_REGION)")
	af.StringVar(&spec.EndpointURL, "endpoint-url", "", "SNS endpoint other than AWS's")
	af.StringVar(&spec.RoutingKey, "routing-key", "", "PagerDuty integration key (prefer --routing-key-file)")
	af.StringVar(&spec.RoutingKeyFile, "routing-key-file", "", "file holding the PagerDuty integration key")
	af.StringVar(&spec.SMTP, "smtp", "", "SMTP server host:port")
	af.StringVar(&spec.From, "from", "", "mail sender address")
	af.StringSliceVar(&spec.To, "to", nil, "mail recipients (comma-separated)")
	af.StringVar(&spec.Username, "username", "", "SMTP user")
	af.StringVar(&spec.Password, "password", "", "SMTP password (prefer --password-file)")
	af.StringVar(&spec.PasswordFile, "password-file", "", "file holding the SMTP password")
	af.StringVar(&spec.StartTLS, "starttls", "", "required (default) or none")
	af.StringVar(&spec.TLSCAFile, "tls-ca-file", "", "PEM file of a private CA the SMTP server's certificate is signed by")
	af.StringSliceVar(&spec.Filter.Severities, "severity", nil, "only these severities (low, medium, high)")
	af.StringSliceVar(&spec.Filter.MessageTypes, "message-type", nil, "only these message types (NEW_INSIGHT, CLOSED_INSIGHT, …, RUN_ACTED)")
	af.StringSliceVar(&spec.Filter.Boundaries, "boundary", nil, "only these boundaries (stack:shop, app:checkout, namespace:prod)")
	af.StringSliceVar(&spec.Filter.ProblemTypes, "problem-type", nil, "only these problem types (CPU_SATURATION, …)")
	af.DurationVar(&groupWait, "group-wait", notify.DefaultGroupWait, "send one insight's messages of this long as one")
	af.IntVar(&spec.RateLimit, "rate-limit", 0, "at most this many sends per --rate-window (0: no limit)")
	af.DurationVar(&rateWindow, "rate-window", notify.DefaultRateWindow, "the rate limit's window")
	af.DurationVar(&timeout, "timeout", notify.DefaultTimeout, "longest wait for one send")
	af.StringVar(&from, "from-file", "", "read the channel's settings from a YAML or JSON file (the keys of notify.channels)")

	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List channels with their last delivery, last error and queue",
		Args:  cobra.NoArgs,
		RunE: g.withStore(func(cmd *cobra.Command, _ []string, s *sqlstore.DB) error {
			chs, err := s.Channels().List(cmd.Context())
			if err != nil {
				return err
			}
			stats, err := s.Outbox().Stats(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				var out []map[string]any
				for _, c := range chs {
					spec, _ := notify.SpecOf(c)
					q := stats.Channels[c.Name]
					out = append(out, map[string]any{"name": c.Name, "type": c.Type, "source": c.Source, "spec": spec.Redacted(),
						"last_sent_at": c.LastSentAt, "last_error": c.LastError, "pending": q.Pending, "dead": q.Dead})
				}
				return writeJSON(cmd.OutOrStdout(), out)
			}
			if len(chs) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No channels. Add one with tend channels add, or in notify.channels (docs/notifications.md).")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tTYPE\tSOURCE\tLAST DELIVERY\tPENDING\tDEAD\tLAST ERROR")
			for _, c := range chs {
				q := stats.Channels[c.Name]
				last := "never"
				if !c.LastSentAt.IsZero() {
					last = c.LastSentAt.Local().Format("2006-01-02 15:04:05")
				}
				lastErr := "-"
				if c.LastError != "" && c.LastErrorAt.After(c.LastSentAt) {
					lastErr = c.LastErrorAt.Local().Format("15:04:05") + " " + c.LastError
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", c.Name, c.Type, c.Source, last, q.Pending, q.Dead, lastErr)
			}
			return tw.Flush()
		}),
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	test := &cobra.Command{
		Use:   "test NAME",
		Short: "Send a test message to a channel now and say how it went",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, cfg, err := g.openStore(cmd.Context(), cmd)
			if err != nil {
				return err
			}
			defer s.Close()
			c, err := s.Channels().Get(cmd.Context(), args[0])
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no channel %q (see tend channels list)", args[0])
			}
			if err != nil {
				return err
			}
			spec, err := notify.SpecOf(c)
			if err != nil {
				return err
			}
			resolved, err := spec.Resolved()
			if err != nil {
				return err
			}
			n, err := channel.Builder(channel.Env{AWS: channel.DefaultAWS(cfg.AWS.Region, cfg.AWS.Profile)})(cmd.Context(), resolved)
			if err != nil {
				return err
			}
			start := time.Now()
			if err := notify.TestChannel(cmd.Context(), spec, n, start); err != nil {
				return fmt.Errorf("channel %s: the test message failed: %w", spec.Name, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Sent a test message to %s (%s) in %s.\n", spec.Name, spec.Type, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}

	remove := &cobra.Command{
		Use:     "remove NAME",
		Aliases: []string{"rm"},
		Short:   "Remove a channel added with tend channels add (and its pending deliveries)",
		Args:    cobra.ExactArgs(1),
		RunE: g.withStore(func(cmd *cobra.Command, args []string, s *sqlstore.DB) error {
			c, err := s.Channels().Get(cmd.Context(), args[0])
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no channel %q (see tend channels list)", args[0])
			}
			if err != nil {
				return err
			}
			if c.Source == store.ChannelFromConfig {
				return fmt.Errorf("channel %q is defined in the configuration file (notify.channels): remove it there", args[0])
			}
			if err := s.Channels().Delete(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Removed channel %s.\n", args[0])
			return nil
		}),
	}

	var ids []string
	retry := &cobra.Command{
		Use:   "retry NAME",
		Short: "Send a channel's dead-lettered messages again (all, or --id)",
		Args:  cobra.ExactArgs(1),
		RunE: g.withStore(func(cmd *cobra.Command, args []string, s *sqlstore.DB) error {
			var nums []int64
			for _, id := range ids {
				n, err := strconv.ParseInt(id, 10, 64)
				if err != nil {
					return fmt.Errorf("--id %q: not a delivery id (see tend channels show %s --dead)", id, args[0])
				}
				nums = append(nums, n)
			}
			n, err := s.Outbox().Retry(cmd.Context(), args[0], time.Now(), nums...)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d dead-lettered messages of %s are due again.\n", n, args[0])
			return nil
		}),
	}
	retry.Flags().StringSliceVar(&ids, "id", nil, "only these deliveries")

	var dead bool
	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a channel's latest deliveries (--dead: its dead letters)",
		Args:  cobra.ExactArgs(1),
		RunE: g.withStore(func(cmd *cobra.Command, args []string, s *sqlstore.DB) error {
			c, err := s.Channels().Get(cmd.Context(), args[0])
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no channel %q (see tend channels list)", args[0])
			}
			if err != nil {
				return err
			}
			spec, _ := notify.SpecOf(c)
			b, _ := json.MarshalIndent(spec.Redacted(), "", "  ")
			fmt.Fprintf(cmd.OutOrStdout(), "%s (%s, from the %s)\n%s\n\n", c.Name, c.Type, c.Source, b)
			f := store.DeliveryFilter{Channel: c.Name, Limit: 50}
			if dead {
				f.State = store.DeliveryDead
			}
			ds, err := s.Outbox().Deliveries(cmd.Context(), f)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tMESSAGE\tTYPE\tSTATE\tATTEMPTS\tWRITTEN\tERROR")
			for _, d := range ds {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", d.ID, d.Message.ID, d.Message.Type, d.State, d.Attempts,
					d.Message.CreatedAt.Local().Format("2006-01-02 15:04:05"), dash(d.LastError))
			}
			return tw.Flush()
		}),
	}
	show.Flags().BoolVar(&dead, "dead", false, "only dead-lettered deliveries")
	cmd.AddCommand(add, list, show, test, retry, remove)
	return cmd
}
