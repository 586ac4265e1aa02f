"""Signs varied requests with the official Tencent Cloud Python SDK and
prints one JSON line per request: the inputs and the headers the SDK built.

The SDK's own request building is used (AbstractClient._build_req_with_tc3_signature
on a RequestInternal), with the clock pinned to a chosen timestamp, so the
Authorization header is exactly what the SDK would send.

usage: sign_vectors.py COUNT SEED
"""

import json
import random
import string
import sys
import time

from tencentcloud.common import credential
from tencentcloud.common.http.request import RequestInternal
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.autoscaling.v20180419.autoscaling_client import AutoscalingClient
from tencentcloud.clb.v20180317.clb_client import ClbClient
from tencentcloud.cvm.v20170312.cvm_client import CvmClient
from tencentcloud.tag.v20180813.tag_client import TagClient
from tencentcloud.tat.v20201028.tat_client import TatClient
from tencentcloud.vpc.v20170312.vpc_client import VpcClient

CLIENTS = {
    "cvm": (CvmClient, ["DescribeInstances", "RunInstances", "CreateImage", "DescribeRegions"]),
    "clb": (ClbClient, ["DescribeLoadBalancers", "CreateListener", "RegisterTargets"]),
    "vpc": (VpcClient, ["DescribeVpcs", "CreateSecurityGroupPolicies"]),
    "as": (AutoscalingClient, ["CreateLaunchConfiguration", "DescribeAutoScalingGroups"]),
    "tat": (TatClient, ["RunCommand", "DescribeInvocationTasks"]),
    "tag": (TagClient, ["DescribeProjects"]),
}
REGIONS = ["ap-guangzhou", "ap-shanghai", "ap-beijing", "ap-hongkong", "na-siliconvalley", ""]
TEXTS = ["未命名", "业务服务器-1", "mina_auth", "🚀 emoji", 'quote " and \\ backslash',
         "tab\tnew\nline", "Ünïcödé", "", "a" * 300, "会话管理服务器"]


def rand_word(rng, n):
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


def rand_value(rng, depth=0):
    kind = rng.randrange(6 if depth < 2 else 3)
    if kind == 0:
        return rng.choice(TEXTS)
    if kind == 1:
        return rng.randrange(-5, 10**9)
    if kind == 2:
        return rng.choice([True, False, 1.5])
    if kind == 3:
        return [rand_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rand_word(rng, 6): rand_value(rng, depth + 1) for _ in range(rng.randrange(4))}


def main():
    count, seed = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    real_time = time.time
    for i in range(count):
        service = list(CLIENTS)[i % len(CLIENTS)]
        cls, actions = CLIENTS[service]
        action = rng.choice(actions)
        region = "" if service == "tag" else rng.choice(REGIONS)
        secret_id = "AKID" + rand_word(rng, 32)
        secret_key = rand_word(rng, 32)
        token = rand_word(rng, rng.choice([40, 120])) if rng.random() < 0.4 else None
        timestamp = rng.randrange(1420070400, 2051222400)  # 2015 .. 2035
        http = HttpProfile()
        endpoint = rng.choice([None, "%s.%s.tencentcloudapi.com" % (service, region or "ap-guangzhou"),
                               "127.0.0.1:%d" % rng.randrange(1024, 65535)])
        if endpoint:
            http.endpoint = endpoint
        language = rng.choice(["zh-CN", "en-US"])
        profile = ClientProfile(httpProfile=http, language=language)
        client = cls(credential.Credential(secret_id, secret_key, token), region or None, profile)
        params = {"Name": rng.choice(TEXTS), "Limit": rng.randrange(1, 101)}
        for _ in range(rng.randrange(5)):
            params[rand_word(rng, 8)] = rand_value(rng)
        if rng.random() < 0.3:
            params["ClientToken"] = rand_word(rng, 20)
        req = RequestInternal(client._get_endpoint(), "POST", "/", header={})
        time.time = lambda: timestamp + 0.25
        try:
            client._build_req_with_tc3_signature(action, params, req)
        finally:
            time.time = real_time
        h = req.header
        print(json.dumps({
            "service": service,
            "version": h["X-TC-Version"],
            "action": h["X-TC-Action"],
            "host": h["Host"],
            "region": h.get("X-TC-Region"),
            "token": h.get("X-TC-Token"),
            "language": h.get("X-TC-Language"),
            "timestamp": int(h["X-TC-Timestamp"]),
            "content_type": h["Content-Type"],
            "payload": req.data,
            "secret_id": secret_id,
            "secret_key": secret_key,
            "authorization": h["Authorization"],
        }, ensure_ascii=False))


if __name__ == "__main__":
    main()
