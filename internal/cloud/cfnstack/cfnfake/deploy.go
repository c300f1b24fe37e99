package cfnfake

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// This file models what the cfn deployment provider relies on: CreateStack
// and change sets of type UPDATE that complete asynchronously (one step a
// DescribeStacks poll), the stack's RollbackConfiguration, tags and
// outputs, and two injected failures: a resource that fails (the stack
// rolls back to what it was) and a rollback trigger's alarm going off
// during the update's monitoring (the stack rolls back only if it was
// given that trigger).

// deployed is what a stack runs: template, parameters and tags, kept to
// roll back to.
type deployed struct {
	template string
	params   map[string]string
	tags     map[string]string
	outputs  map[string]string
}

// FailNext makes the next create or update of the stack fail on a
// resource with reason, and roll back.
func (f *CloudFormation) FailNext(stack, reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failNext == nil {
		f.failNext = map[string]string{}
	}
	f.failNext[stack] = reason
}

// RaiseAlarm makes the rollback triggers of the stack's next update go
// off: an update whose RollbackConfiguration names an alarm ends
// UPDATE_ROLLBACK_COMPLETE; one without triggers completes.
func (f *CloudFormation) RaiseAlarm(stack string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.alarms == nil {
		f.alarms = map[string]bool{}
	}
	f.alarms[stack] = true
}

// templateDoc is the part of a template (JSON or YAML, short-form
// intrinsics allowed) the fake reads.
type templateDoc struct {
	params    map[string]bool // name → has a Default
	resources int
	outputs   map[string]*yaml.Node
}

func parseTemplate(body string) (templateDoc, *apiError) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(body), &root); err != nil {
		return templateDoc{}, validation("Template format error: YAML not well-formed. (%v)", err)
	}
	if len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return templateDoc{}, validation("Template format error: a template is a mapping")
	}
	doc := templateDoc{params: map[string]bool{}, outputs: map[string]*yaml.Node{}}
	top := root.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i].Value, top.Content[i+1]
		switch k {
		case "Parameters":
			for j := 0; j+1 < len(v.Content); j += 2 {
				def := false
				p := v.Content[j+1]
				for m := 0; m+1 < len(p.Content); m += 2 {
					def = def || p.Content[m].Value == "Default"
				}
				doc.params[v.Content[j].Value] = def
			}
		case "Resources":
			doc.resources = len(v.Content) / 2
		case "Outputs":
			for j := 0; j+1 < len(v.Content); j += 2 {
				o := v.Content[j+1]
				for m := 0; m+1 < len(o.Content); m += 2 {
					if o.Content[m].Value == "Value" {
						doc.outputs[v.Content[j].Value] = o.Content[m+1]
					}
				}
			}
		}
	}
	if doc.resources == 0 {
		return templateDoc{}, validation("Template format error: At least one Resources member must be defined.")
	}
	return doc, nil
}

// resolve evaluates an output's Value: a literal, or a Ref to a parameter.
func resolve(n *yaml.Node, params map[string]string) string {
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!Ref":
		return params[n.Value]
	case n.Kind == yaml.ScalarNode:
		return n.Value
	case n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "Ref":
		return params[n.Content[1].Value]
	}
	return "fake-value"
}

// readDeploy reads the template, parameters, tags and rollback
// configuration of a CreateStack or CreateChangeSet.
func (f *CloudFormation) readDeploy(form url.Values, previous map[string]string) (deployed, []string, int, *apiError) {
	body := form.Get("TemplateBody")
	switch u := form.Get("TemplateURL"); {
	case u != "" && body != "":
		return deployed{}, nil, 0, validation("Specify exactly one of TemplateBody and TemplateURL")
	case u != "":
		var ok bool
		if f.FetchTemplate == nil {
			return deployed{}, nil, 0, validation("TemplateURL %s cannot be fetched", u)
		}
		if body, ok = f.FetchTemplate(u); !ok {
			return deployed{}, nil, 0, validation("TemplateURL must be a supported URL; S3 error: Access Denied for %s", u)
		}
		if len(body) > 1000000 {
			return deployed{}, nil, 0, validation("Template may not exceed 1000000 bytes in size.")
		}
	case body == "":
		return deployed{}, nil, 0, validation("Either Template URL or Template Body must be specified.")
	case len(body) > 51200:
		return deployed{}, nil, 0, validation("1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to 51200")
	}
	doc, err := parseTemplate(body)
	if err != nil {
		return deployed{}, nil, 0, err
	}
	d := deployed{template: body, params: map[string]string{}, tags: map[string]string{}, outputs: map[string]string{}}
	for _, p := range members(form, "Parameters") {
		k := form.Get(p + ".ParameterKey")
		if _, ok := doc.params[k]; !ok {
			return deployed{}, nil, 0, validation("Parameters: [%s] do not exist in the template", k)
		}
		if form.Get(p+".UsePreviousValue") == "true" {
			d.params[k] = previous[k]
			continue
		}
		d.params[k] = form.Get(p + ".ParameterValue")
	}
	for k, hasDefault := range doc.params {
		if _, ok := d.params[k]; !ok && !hasDefault {
			return deployed{}, nil, 0, validation("Parameters: [%s] must have values", k)
		}
	}
	for k, n := range doc.outputs {
		d.outputs[k] = resolve(n, d.params)
	}
	for _, p := range members(form, "Tags") {
		d.tags[form.Get(p+".Key")] = form.Get(p + ".Value")
	}
	var triggers []string
	for _, p := range members(form, "RollbackConfiguration.RollbackTriggers") {
		arn, typ := form.Get(p+".Arn"), form.Get(p+".Type")
		if typ != "AWS::CloudWatch::Alarm" {
			return deployed{}, nil, 0, validation("Rollback trigger %s: Type must be AWS::CloudWatch::Alarm, got %q", arn, typ)
		}
		if !strings.HasPrefix(arn, "arn:aws:cloudwatch:") {
			return deployed{}, nil, 0, validation("Rollback trigger %q is not a CloudWatch alarm ARN", arn)
		}
		triggers = append(triggers, arn)
	}
	minutes := 0
	if m := form.Get("RollbackConfiguration.MonitoringTimeInMinutes"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 || n > 180 {
			return deployed{}, nil, 0, validation("MonitoringTimeInMinutes must be 0–180, got %q", m)
		}
		minutes = n
	}
	return d, triggers, minutes, nil
}

func (f *CloudFormation) createStack(form url.Values) (string, *apiError) {
	name := form.Get("StackName")
	if name == "" {
		return "", validation("StackName is required")
	}
	if s := f.lookup(name); s != nil && s.Status != "DELETE_COMPLETE" {
		return "", &apiError{400, "AlreadyExistsException", "Stack [" + name + "] already exists"}
	}
	d, triggers, minutes, err := f.readDeploy(form, nil)
	if err != nil {
		return "", err
	}
	s := &Stack{Name: name, ID: stackID(name), Status: "CREATE_IN_PROGRESS", RollbackTriggers: triggers, MonitoringMinutes: minutes}
	s.apply(d)
	s.moving = true
	f.stacks[name] = s
	return "<StackId>" + esc(s.ID) + "</StackId>", nil
}

// createUpdateChangeSet creates a change set of type UPDATE.
func (f *CloudFormation) createUpdateChangeSet(form url.Values) (string, *apiError) {
	name, csName := form.Get("StackName"), form.Get("ChangeSetName")
	if name == "" || csName == "" {
		return "", validation("StackName and ChangeSetName are required")
	}
	s := f.lookup(name)
	if s == nil {
		return "", validation("Stack [%s] does not exist", name)
	}
	switch {
	case s.Status == "ROLLBACK_COMPLETE" || s.Status == "CREATE_FAILED":
		return "", validation("Stack:%s is in %s state and can not be updated.", s.ID, s.Status)
	case strings.HasSuffix(s.Status, "_IN_PROGRESS"):
		return "", validation("Stack:%s is in %s state and can not be updated.", s.ID, s.Status)
	}
	d, triggers, minutes, err := f.readDeploy(form, s.Parameters)
	if err != nil {
		return "", err
	}
	cs := &changeSet{name: csName, stack: name, status: "CREATE_PENDING", update: &d, triggers: triggers, minutes: minutes}
	if d.template == s.Template && equal(d.params, s.Parameters) && equal(d.tags, s.Tags) {
		cs.status, cs.reason = "FAILED", "The submitted information didn't contain changes. Submit different information to create a change set."
	}
	f.seq++
	cs.id = fmt.Sprintf("arn:aws:cloudformation:us-east-1:123456789012:changeSet/%s/%08d-aaaa-bbbb-cccc-000000000000", csName, f.seq)
	f.changeSets[cs.id] = cs
	return fmt.Sprintf("<Id>%s</Id><StackId>%s</StackId>", esc(cs.id), esc(s.ID)), nil
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// executeUpdate starts an UPDATE change set.
func (f *CloudFormation) executeUpdate(s *Stack, cs *changeSet) {
	prev := s.current()
	s.prev = &prev
	s.RollbackTriggers, s.MonitoringMinutes = cs.triggers, cs.minutes
	s.apply(*cs.update)
	s.Status, s.moving = "UPDATE_IN_PROGRESS", true
}

func (s *Stack) apply(d deployed) {
	s.Template, s.Parameters, s.Tags, s.Outputs = d.template, d.params, d.tags, d.outputs
}

func (s *Stack) current() deployed {
	return deployed{template: s.Template, params: s.Parameters, tags: s.Tags, outputs: s.Outputs}
}

// progressDeploy moves a stack's create or update one step, as the
// service would between two polls. Stacks put in place by a test
// (PutStack) stay as they are.
func (f *CloudFormation) progressDeploy(s *Stack) {
	if !s.moving {
		return
	}
	defer func() { s.moving = strings.HasSuffix(s.Status, "_IN_PROGRESS") }()
	failed := func(logical, status, reason string) {
		s.Events = append([]Event{{LogicalID: logical, Status: status, Reason: reason}}, s.Events...)
	}
	switch s.Status {
	case "CREATE_IN_PROGRESS":
		if reason, ok := f.failNext[s.Name]; ok {
			delete(f.failNext, s.Name)
			failed("Service", "CREATE_FAILED", reason)
			s.Status, s.Reason = "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [Service]. Rollback requested by user."
			return
		}
		s.Status = "CREATE_COMPLETE"
	case "UPDATE_IN_PROGRESS":
		if reason, ok := f.failNext[s.Name]; ok {
			delete(f.failNext, s.Name)
			failed("Service", "UPDATE_FAILED", reason)
			s.Status, s.Reason = "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed to update: [Service]."
			return
		}
		if f.alarms[s.Name] {
			delete(f.alarms, s.Name)
			if len(s.RollbackTriggers) > 0 {
				s.Status, s.Reason = "UPDATE_ROLLBACK_IN_PROGRESS", "The following CloudWatch Alarm(s) triggered: ["+strings.Join(s.RollbackTriggers, ", ")+"]"
				failed(s.Name, "UPDATE_FAILED", s.Reason)
				return
			}
		}
		s.Status, s.Reason = "UPDATE_COMPLETE", ""
	case "UPDATE_ROLLBACK_IN_PROGRESS":
		if s.prev != nil {
			s.apply(*s.prev)
			s.prev = nil
		}
		s.Status = "UPDATE_ROLLBACK_COMPLETE"
	case "ROLLBACK_IN_PROGRESS":
		s.Status = "ROLLBACK_COMPLETE"
	}
}

// describeExtra is the tags and outputs of a DescribeStacks member.
func describeExtra(s *Stack) string {
	var b strings.Builder
	b.WriteString("<Tags>")
	for _, k := range sortedKeys(s.Tags) {
		fmt.Fprintf(&b, "<member><Key>%s</Key><Value>%s</Value></member>", esc(k), esc(s.Tags[k]))
	}
	b.WriteString("</Tags><Outputs>")
	keys := make([]string, 0, len(s.Outputs))
	for k := range s.Outputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "<member><OutputKey>%s</OutputKey><OutputValue>%s</OutputValue></member>", esc(k), esc(s.Outputs[k]))
	}
	b.WriteString("</Outputs>")
	if len(s.RollbackTriggers) > 0 || s.MonitoringMinutes > 0 {
		fmt.Fprintf(&b, "<RollbackConfiguration><MonitoringTimeInMinutes>%d</MonitoringTimeInMinutes><RollbackTriggers>", s.MonitoringMinutes)
		for _, a := range s.RollbackTriggers {
			fmt.Fprintf(&b, "<member><Arn>%s</Arn><Type>AWS::CloudWatch::Alarm</Type></member>", esc(a))
		}
		b.WriteString("</RollbackTriggers></RollbackConfiguration>")
	}
	return b.String()
}
