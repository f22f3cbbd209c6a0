//! Entities and value objects of this part of the product, validated on construction.
