package redis

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// topology is the kind of deployment a redis_url selects.
type topology string

const (
	single   topology = "single"
	cluster  topology = "cluster"
	sentinel topology = "sentinel"
)

// dialSpec is a parsed redis_url: exactly one of the option structs is set,
// the one matching kind.
type dialSpec struct {
	kind     topology
	single   *goredis.Options
	cluster  *goredis.ClusterOptions
	failover *goredis.FailoverOptions
}

// parseURL reads store.redis_url. go-redis has one parser per topology, so
// this picks one:
//
//   - a master_name query parameter: Sentinel (ParseFailoverURL); the hosts
//     are the sentinels;
//   - several hosts (redis://h1:7000,h2:7001/0) or addr= parameters:
//     Cluster (ParseClusterURL), database 0 only;
//   - otherwise one node (ParseURL), including unix:// sockets.
//
// Extra hosts written with commas are passed on as addr= parameters. Errors
// never repeat the URL, which may carry a password.
func parseURL(raw string) (dialSpec, error) {
	raw, extra, err := splitHosts(raw)
	if err != nil {
		return dialSpec{}, err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return dialSpec{}, redact(err)
	}
	q := u.Query()
	for _, a := range extra {
		q.Add("addr", a)
	}
	u.RawQuery = q.Encode()
	switch {
	case q.Has("master_name"):
		o, err := goredis.ParseFailoverURL(u.String())
		if err != nil {
			return dialSpec{}, redact(err)
		}
		return dialSpec{kind: sentinel, failover: o}, nil
	case q.Has("addr"):
		if db := strings.Trim(u.Path, "/"); db != "" && db != "0" {
			return dialSpec{}, fmt.Errorf("redis cluster has only database 0, the url names %q", db)
		}
		u.Path = ""
		o, err := goredis.ParseClusterURL(u.String())
		if err != nil {
			return dialSpec{}, redact(err)
		}
		return dialSpec{kind: cluster, cluster: o}, nil
	default:
		o, err := goredis.ParseURL(u.String())
		if err != nil {
			return dialSpec{}, redact(err)
		}
		return dialSpec{kind: single, single: o}, nil
	}
}

// client returns a client for the spec. It does not dial.
func (d dialSpec) client(onUnavailable func()) goredis.UniversalClient {
	var c goredis.UniversalClient
	switch d.kind {
	case cluster:
		c = goredis.NewClusterClient(d.cluster)
	case sentinel:
		c = goredis.NewFailoverClient(d.failover)
	default:
		c = goredis.NewClient(d.single)
	}
	c.AddHook(unavailableHook{on: onUnavailable})
	return c
}

// splitHosts cuts a comma-separated host list out of a URL's authority
// (net/url rejects it) and returns the URL with the first host only, plus
// the other hosts as host:port.
func splitHosts(raw string) (string, []string, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw, nil, nil
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	userinfo, hosts := "", authority
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		userinfo, hosts = authority[:i+1], authority[i+1:]
	}
	if !strings.Contains(hosts, ",") {
		return raw, nil, nil
	}
	list := strings.Split(hosts, ",")
	var extra []string
	for _, h := range list[1:] {
		if h == "" {
			return "", nil, errors.New("invalid redis url: empty host in the host list")
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(strings.Trim(h, "[]"), "6379")
		}
		extra = append(extra, h)
	}
	return scheme + "://" + userinfo + list[0] + tail, extra, nil
}

// redact drops the URL from a net/url error: it may hold a password.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("invalid redis url: %w", ue.Err)
	}
	return fmt.Errorf("invalid redis url: %w", err)
}
