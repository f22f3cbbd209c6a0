//! Use cases: plain functions or a service generic over the ports.
