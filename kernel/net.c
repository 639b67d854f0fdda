// SPDX-License-Identifier: GPL-2.0
/*
 * softodp: the RoCEv2 UDP tunnel sockets (port 4791).
 *
 * Each network namespace that has softodp devices gets one IPv4 and, where
 * IPv6 is available, one IPv6 socket, created by its first device and
 * released with its last one; merely loading the module binds nothing, so
 * it never conflicts with rdma_rxe or anything else using the port.
 */
#include <linux/module.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/udp_tunnel.h>

#include "softodp.h"

/**
 * struct sod_net - per network namespace state
 * @lock: protects the other fields; process context only
 * @users: devices of this namespace holding the tunnel
 * @sk4: IPv4 socket, valid while @users > 0
 * @sk6: IPv6 socket or NULL (IPv6 disabled)
 */
struct sod_net {
	struct mutex lock;
	unsigned int users;
	struct socket *sk4;
	struct socket *sk6;
};

static unsigned int sod_net_id __read_mostly;

/*
 * sod_udp_encap_recv - encap_rcv of the tunnel sockets.
 *
 * Softirq context: must not sleep and never touches user memory.  Until
 * queue pairs exist there is nothing to deliver to, so every packet is
 * consumed and dropped.
 */
static int sod_udp_encap_recv(struct sock *sk, struct sk_buff *skb)
{
	kfree_skb(skb);
	return 0;
}

static struct socket *sod_tunnel_open(struct net *net, bool ipv6)
{
	struct udp_tunnel_sock_cfg tnl_cfg = {};
	struct udp_port_cfg udp_cfg = {};
	struct socket *sock;
	int err;

	if (ipv6) {
		udp_cfg.family = AF_INET6;
		udp_cfg.ipv6_v6only = 1;
	} else {
		udp_cfg.family = AF_INET;
	}
	udp_cfg.local_udp_port = htons(SOD_ROCE_V2_PORT);

	err = udp_sock_create(net, &udp_cfg, &sock);
	if (err)
		return ERR_PTR(err);

	tnl_cfg.encap_type = 1;
	tnl_cfg.encap_rcv = sod_udp_encap_recv;
	setup_udp_tunnel_sock(net, sock, &tnl_cfg);
	return sock;
}

/*
 * sod_tunnel_get - make sure @net's tunnel sockets exist and take a
 * reference on them.  Process context, may sleep.  Fails with -EADDRINUSE
 * when something else (e.g. rdma_rxe) owns UDP port 4791 in @net.
 */
int sod_tunnel_get(struct net *net)
{
	struct sod_net *sn = net_generic(net, sod_net_id);
	struct socket *sk4, *sk6 = NULL;
	int err = 0;

	mutex_lock(&sn->lock);
	if (sn->users) {
		sn->users++;
		goto out;
	}

	sk4 = sod_tunnel_open(net, false);
	if (IS_ERR(sk4)) {
		err = PTR_ERR(sk4);
		goto out;
	}
	if (ipv6_mod_enabled()) {
		sk6 = sod_tunnel_open(net, true);
		if (IS_ERR(sk6)) {
			err = PTR_ERR(sk6);
			udp_tunnel_sock_release(sk4);
			goto out;
		}
	}
	sn->sk4 = sk4;
	sn->sk6 = sk6;
	sn->users = 1;
out:
	mutex_unlock(&sn->lock);
	return err;
}

/* sod_tunnel_put - drop a reference from sod_tunnel_get().  May sleep. */
void sod_tunnel_put(struct net *net)
{
	struct sod_net *sn = net_generic(net, sod_net_id);

	mutex_lock(&sn->lock);
	if (!WARN_ON(!sn->users) && !--sn->users) {
		if (sn->sk6)
			udp_tunnel_sock_release(sn->sk6);
		udp_tunnel_sock_release(sn->sk4);
		sn->sk4 = NULL;
		sn->sk6 = NULL;
	}
	mutex_unlock(&sn->lock);
}

static int __net_init sod_net_ns_init(struct net *net)
{
	struct sod_net *sn = net_generic(net, sod_net_id);

	mutex_init(&sn->lock);
	return 0;
}

/*
 * A dying namespace has already unregistered or moved its netdevs, which
 * queued the unregistration of their softodp devices; wait for those so
 * that no socket outlives its namespace.  Process context.
 */
static void __net_exit sod_net_ns_exit(struct net *net)
{
	struct sod_net *sn = net_generic(net, sod_net_id);

	sod_unregister_devices(net);
	WARN_ON(sn->users);
	mutex_destroy(&sn->lock);
}

static struct pernet_operations sod_net_ops = {
	.init = sod_net_ns_init,
	.exit = sod_net_ns_exit,
	.id = &sod_net_id,
	.size = sizeof(struct sod_net),
};

int sod_net_init(void)
{
	return register_pernet_subsys(&sod_net_ops);
}

void sod_net_exit(void)
{
	unregister_pernet_subsys(&sod_net_ops);
}
