package redis

import (
	"slices"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		name   string
		url    string
		kind   topology
		addrs  []string
		db     int
		master string
		pass   string
		tls    bool
	}{
		{name: "Single", url: "redis://localhost:6379/2", kind: single, addrs: []string{"localhost:6379"}, db: 2},
		{name: "SingleDefaults", url: "redis://", kind: single, addrs: []string{"localhost:6379"}},
		{name: "SingleTLS", url: "rediss://app:s3cret@cache.example:6380/0", kind: single, addrs: []string{"cache.example:6380"}, pass: "s3cret", tls: true},
		{name: "UnixSocket", url: "unix:///run/redis.sock?db=1", kind: single, addrs: []string{"/run/redis.sock"}, db: 1},
		{name: "ClusterHostList", url: "redis://h1:7000,h2:7001,h3:7002/0", kind: cluster, addrs: []string{"h1:7000", "h2:7001", "h3:7002"}},
		{name: "ClusterHostListDefaultPort", url: "redis://:pw@h1:7000,h2/", kind: cluster, addrs: []string{"h1:7000", "h2:6379"}, pass: "pw"},
		{name: "ClusterAddrParams", url: "redis://h1:7000?addr=h2:7001&addr=h3:7002", kind: cluster, addrs: []string{"h1:7000", "h2:7001", "h3:7002"}},
		{name: "ClusterIPv6", url: "redis://[::1]:7000,[::2]:7001", kind: cluster, addrs: []string{"[::1]:7000", "[::2]:7001"}},
		{name: "Sentinel", url: "redis://s1:26379/3?master_name=mymaster", kind: sentinel, addrs: []string{"s1:26379"}, db: 3, master: "mymaster"},
		{name: "SentinelHostList", url: "redis://s1:26379,s2:26379/0?master_name=mymaster&password=pw", kind: sentinel, addrs: []string{"s1:26379", "s2:26379"}, master: "mymaster", pass: "pw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := parseURL(tt.url)
			if err != nil {
				t.Fatalf("parseURL(%q): %v", tt.url, err)
			}
			var addrs []string
			var db int
			var master, pass string
			var tls bool
			switch spec.kind {
			case single:
				addrs, db, pass, tls = []string{spec.single.Addr}, spec.single.DB, spec.single.Password, spec.single.TLSConfig != nil
			case cluster:
				addrs, pass, tls = spec.cluster.Addrs, spec.cluster.Password, spec.cluster.TLSConfig != nil
			case sentinel:
				addrs, db, master, pass, tls = spec.failover.SentinelAddrs, spec.failover.DB, spec.failover.MasterName, spec.failover.Password, spec.failover.TLSConfig != nil
			}
			if spec.kind != tt.kind || !slices.Equal(addrs, tt.addrs) || db != tt.db || master != tt.master || pass != tt.pass || tls != tt.tls {
				t.Errorf("parseURL(%q) = kind %s addrs %v db %d master %q password %q tls %v; want %s %v %d %q %q %v",
					tt.url, spec.kind, addrs, db, master, pass, tls, tt.kind, tt.addrs, tt.db, tt.master, tt.pass, tt.tls)
			}
		})
	}
}

func TestParseURL_Invalid(t *testing.T) {
	tests := []struct{ name, url string }{
		{"Scheme", "http://u:topsecret@localhost:6379"},
		{"BadPort", "redis://u:topsecret@localhost:port/"},
		{"BadEscape", "redis://u:top%zzsecret@localhost/"},
		{"ClusterDatabase", "redis://u:topsecret@h1:7000,h2:7001/2"},
		{"EmptyHostInList", "redis://u:topsecret@h1:7000,,h2:7001/0"},
		{"UnknownParam", "redis://u:topsecret@localhost/?colour=blue"},
		{"BadDatabase", "redis://u:topsecret@localhost/zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := parseURL(tt.url)
			if err == nil {
				t.Fatalf("parseURL(%q) = %s, want an error", tt.url, spec.kind)
			}
			if strings.Contains(err.Error(), "topsecret") {
				t.Errorf("parseURL(%q) error %q repeats the password", tt.url, err)
			}
		})
	}
}
