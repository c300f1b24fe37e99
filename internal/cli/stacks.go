package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/insight"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlstore"
	"github.com/tendhq/tend/internal/tfimport"
)

var _ = registerCommand(newStacksCmd)

// storeBoundaryRegistrar records an imported stack in tend's store, where
// insights find it as an application boundary, and records the import as
// one of tend's own change events.
func storeBoundaryRegistrar(cmd *cobra.Command, g *globals) (tfimport.BoundaryRegistrar, error) {
	cfg, err := g.config(cmd)
	if err != nil {
		return nil, err
	}
	return boundaryRegistrar{open: func(ctx context.Context) (store.Store, error) {
		s, _, err := g.openStore(ctx, cmd)
		return s, err
	}, where: cfg.DataDir, warn: cmd.ErrOrStderr(), lookback: cfg.Events.Lookback, listen: cfg.Server.Listen}, nil
}

type boundaryRegistrar struct {
	open  func(ctx context.Context) (store.Store, error)
	where string
	warn  io.Writer
	// lookback and listen relate the import's event to ongoing insights
	// as tend serve does (events.lookback, the insight links' address).
	lookback time.Duration
	listen   string
}

var _ tfimport.BoundaryRegistrar = boundaryRegistrar{}

// ImportEventName is the name of the event a Terraform import records.
const ImportEventName = "ImportTerraformState"

// maxImportEventResources bounds the resources an import's event lists.
const maxImportEventResources = 200

func (b boundaryRegistrar) RegisterStack(ctx context.Context, stack string, resources []tfimport.StackResource) error {
	s, err := b.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	rs := make([]store.StackResource, 0, len(resources))
	for _, r := range resources {
		rs = append(rs, store.StackResource{Stack: stack, Type: r.Type, LogicalID: r.LogicalID, PhysicalID: r.PhysicalID, ARN: r.ARN, TerraformAddress: r.TerraformAddress})
	}
	now := time.Now().UTC()
	if err := s.Stacks().Replace(ctx, stack, rs, now); err != nil {
		return err
	}
	// The boundary is recorded; the event is best-effort. Ongoing insights
	// it relates to are told (NEW_ASSOCIATION, written with the event into
	// the outbox that tend serve delivers from), as for every other event.
	evs, err := insight.Associate(ctx, s, []store.Event{importEvent(stack, resources, now)}, insight.AssociateOptions{Lookback: b.lookback,
		InsightURL: func(id string) string { return "http://" + b.listen + "/v1/insights/" + id }})
	if err != nil && b.warn != nil {
		fmt.Fprintf(b.warn, "warning: the import of stack %s is not announced to its ongoing insights: %v\n", stack, err)
	}
	if _, _, err := s.Events().Add(ctx, evs); err != nil && b.warn != nil {
		fmt.Fprintf(b.warn, "warning: stack %s is registered, but the import was not recorded as an event: %v\n", stack, err)
	}
	return nil
}

// importEvent is the INFRASTRUCTURE event of an import into stack: every
// resource the stack holds (by physical id, or ARN, so an insight on an
// imported instance links it). Its key is the stack and its resources, so
// registering the same import again is a duplicate, not a second event.
func importEvent(stack string, resources []tfimport.StackResource, now time.Time) store.Event {
	ids := make([]string, 0, len(resources))
	ev := store.Event{ID: store.NewID("evt", now), Time: now, Source: "tend", EventSource: "tend/import/terraform",
		Class: store.EventInfrastructure, Name: ImportEventName, Actor: "tend import terraform", Stack: stack,
		Resources: []store.EventResource{}, Details: map[string]string{"stack": stack, "resources": strconv.Itoa(len(resources))}, ReceivedAt: now}
	for i, r := range resources {
		ids = append(ids, r.Type+"|"+r.LogicalID+"|"+r.PhysicalID)
		if i >= maxImportEventResources {
			continue // the count is in Details; the key still covers them all
		}
		id := r.PhysicalID
		if r.ARN != "" {
			id = r.ARN
		}
		ev.Resources = append(ev.Resources, store.EventResource{Type: r.Type, ID: id, Name: r.LogicalID})
		if r.ARN != "" && r.PhysicalID != "" {
			ev.Resources = append(ev.Resources, store.EventResource{Type: r.Type, ID: r.PhysicalID, Name: r.LogicalID})
		}
	}
	sort.Strings(ids)
	sum := sha256.Sum256([]byte(strings.Join(ids, "\n")))
	ev.Key = "import/" + stack + "/" + hex.EncodeToString(sum[:8])
	return ev
}

func newStacksCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stacks",
		Short: "List the stacks tend uses as application boundaries",
		Long: `Stacks group resources into applications: insights put the anomalies of one
stack's resources together. tend import terraform --deploy registers the stack
it creates; tend stacks shows what is registered.`,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List registered stacks",
		Args:  cobra.NoArgs,
		RunE: g.withStore(func(cmd *cobra.Command, _ []string, s *sqlstore.DB) error {
			list, err := s.Stacks().List(cmd.Context())
			if err != nil {
				return err
			}
			if len(list) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No stacks registered. tend import terraform --deploy --stack-name NAME registers one.")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "STACK\tRESOURCES\tREGISTERED")
			for _, st := range list {
				fmt.Fprintf(tw, "%s\t%d\t%s\n", st.Name, st.Resources, st.RegisteredAt.Local().Format("2006-01-02 15:04"))
			}
			return tw.Flush()
		}),
	}, &cobra.Command{
		Use:     "show STACK",
		Short:   "List a stack's resources",
		Example: `  tend stacks show shop`,
		Args:    cobra.ExactArgs(1),
		RunE: g.withStore(func(cmd *cobra.Command, args []string, s *sqlstore.DB) error {
			rs, err := s.Stacks().Resources(cmd.Context(), args[0])
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no stack %q is registered (see tend stacks list)", args[0])
			}
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "LOGICAL ID\tTYPE\tPHYSICAL ID\tTERRAFORM ADDRESS")
			for _, r := range rs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.LogicalID, r.Type, r.PhysicalID, dash(r.TerraformAddress))
			}
			return tw.Flush()
		}),
	})
	return cmd
}
