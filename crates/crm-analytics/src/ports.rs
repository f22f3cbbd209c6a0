//! The repository and gateway traits this part of the product needs from the outside world.
