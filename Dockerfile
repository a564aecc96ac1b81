# The image built from this repository for the kind cluster (scripts/kind/up.sh builds it and loads it with
# `kind load docker-image`): the `proof` binary, with git and python3 for the in-cluster Git server
# (scripts/kind/git-server.yaml runs scripts/kind/git-http-server.py in it). It is also the stand-in for the heavy
# ML services: the core manifests run `proof sim service airflow|airflow-scheduler|mlflow|triton|fastapi --port P`
# in it, and its default command is the FastAPI one (up.sh tags it as the platform's FastAPI image). It cannot be built where the tests run
# (no Docker there): the test suite runs hadolint on it and checks that every file it copies exists and that its
# entry point and command form a real `proof` command line.

# Build stage: the Swift toolchain image, a release build with the Swift runtime linked in statically.
FROM swift:6.1-noble AS build
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libcurl4-openssl-dev libsqlite3-dev zlib1g-dev liblz4-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
RUN swift build -c release --product proof --static-swift-stdlib \
    && install -D "$(swift build -c release --show-bin-path)/proof" /out/proof \
    && cp -R "$(swift build -c release --show-bin-path)/gitops-proof_ProofSim.resources" /out/

# Runtime stage: the distribution the toolchain image is made from, only the libraries proof links.
FROM ubuntu:24.04
# Package versions follow the pinned base image (apt would refuse a pin it no longer carries).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libcurl4t64 libsqlite3-0 zlib1g liblz4-1 git python3 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 proof
COPY --from=build /out/proof /usr/local/bin/proof
# The simulated cluster's bundled resources (Kubernetes schemas, the platform's CRD manifests) beside the binary.
COPY --from=build /out/gitops-proof_ProofSim.resources /usr/local/bin/gitops-proof_ProofSim.resources
COPY scenarios /opt/gitops-proof/scenarios
COPY scripts/kind/git-http-server.py /opt/gitops-proof/git-http-server.py
USER 10001
WORKDIR /home/proof
ENTRYPOINT ["proof"]
CMD ["sim", "service", "fastapi", "--port", "8080"]
