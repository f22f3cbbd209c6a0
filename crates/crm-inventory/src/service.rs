//! [`Inventory`]: the use cases of goods, services and stock.

use crate::error::InventoryError;
use crate::model::{
    LedgerRefusal, Location, LocationDefinition, LowStock, Movement, MovementAction,
    MovementCommand, MovementFilter, MovementKind, MovementLine, MovementPlan, Product,
    ProductDefinition, ProductFilter, ProductUpdate, Quantity, StockChange, StockReport,
    MAX_COMMENT_CHARS,
};
use crate::ports::{LocationRepository, ProductRepository, StockLedger};
use crm_core::{Actor, Clock, FieldError, LocationId, Page, PageRequest, ProductId};

/// Goods, services and stock: the catalogue, the locations, movements and stock levels.
pub struct Inventory<P, L, S, C> {
    products: P,
    locations: L,
    ledger: S,
    clock: C,
}

fn positive(quantity: Quantity) -> Result<(), InventoryError> {
    if quantity.is_positive() {
        Ok(())
    } else {
        Err(InventoryError::Validation(vec![FieldError::new(
            "quantity",
            "must be greater than 0",
        )]))
    }
}

fn optional_text(field: &str, text: Option<String>) -> Result<Option<String>, InventoryError> {
    match text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) {
        Some(t) if t.chars().count() > MAX_COMMENT_CHARS || t.chars().any(char::is_control) => {
            Err(InventoryError::Validation(vec![FieldError::new(
                field,
                "must be at most 500 characters without control characters",
            )]))
        }
        other => Ok(other),
    }
}

impl<P: ProductRepository, L: LocationRepository, S: StockLedger, C: Clock> Inventory<P, L, S, C> {
    /// The use cases over the repositories and a clock.
    pub fn new(products: P, locations: L, ledger: S, clock: C) -> Self {
        Self {
            products,
            locations,
            ledger,
            clock,
        }
    }

    /// A page of cards matching the filters.
    pub fn list_products(
        &self,
        filter: &ProductFilter,
        page: PageRequest,
    ) -> Result<Page<Product>, InventoryError> {
        Ok(self.products.list(filter, page)?)
    }

    /// One card.
    pub fn product(&self, id: ProductId) -> Result<Product, InventoryError> {
        self.products.get(id)?.ok_or(InventoryError::NotFound)
    }

    /// Defines a product or service; SKU and barcode must be unique.
    pub fn create_product(&self, definition: ProductDefinition) -> Result<Product, InventoryError> {
        let definition = definition.trimmed();
        definition.validate().map_err(InventoryError::Validation)?;
        Ok(self.products.insert(&definition, self.clock.now())?)
    }

    /// Changes the named fields of a card.
    pub fn update_product(
        &self,
        id: ProductId,
        update: ProductUpdate,
    ) -> Result<Product, InventoryError> {
        let current = self.product(id)?;
        let definition = current.definition.updated(update).trimmed();
        definition.validate().map_err(InventoryError::Validation)?;
        self.products
            .update(id, &definition, self.clock.now())?
            .ok_or(InventoryError::NotFound)
    }

    /// Archives a card: it leaves the default list and its stock no longer moves; its history
    /// stays.
    pub fn archive_product(&self, id: ProductId) -> Result<Product, InventoryError> {
        self.products
            .archive(id, self.clock.now())?
            .ok_or(InventoryError::NotFound)
    }

    /// A page of locations.
    pub fn list_locations(
        &self,
        include_inactive: bool,
        page: PageRequest,
    ) -> Result<Page<Location>, InventoryError> {
        Ok(self.locations.list(include_inactive, page)?)
    }

    /// Defines a warehouse or point of sale.
    pub fn create_location(
        &self,
        definition: LocationDefinition,
    ) -> Result<Location, InventoryError> {
        let definition = definition.validated().map_err(InventoryError::Validation)?;
        Ok(self.locations.insert(&definition, self.clock.now())?)
    }

    /// A product's stock per location. A service has none (refused).
    pub fn stock(&self, id: ProductId) -> Result<StockReport, InventoryError> {
        let product = self.product(id)?;
        if product.definition.kind == crate::model::ProductKind::Service {
            return Err(InventoryError::NotStockable(id));
        }
        let levels = self.ledger.stock(id)?;
        Ok(StockReport { product, levels })
    }

    fn active_location(&self, id: LocationId) -> Result<(), InventoryError> {
        match self.locations.get(id)? {
            None => Err(InventoryError::LocationNotFound(id)),
            Some(l) if !l.definition.active => Err(InventoryError::LocationInactive(id)),
            Some(_) => Ok(()),
        }
    }

    /// Records a movement of goods: checks the quantity, the product (goods, not archived) and
    /// the locations, then commits every side with its guarded stock update in one
    /// transaction.
    pub fn record_movement(
        &self,
        command: MovementCommand,
        actor: Actor,
    ) -> Result<Vec<Movement>, InventoryError> {
        let comment = optional_text("comment", command.comment)?;
        let mut unit_cost = None;
        let mut reason = None;
        let single = |location_id, change| MovementLine {
            location_id,
            change,
            counterpart_location_id: None,
        };
        let (kind, lines) = match command.action {
            MovementAction::Receipt {
                location_id,
                quantity,
                unit_cost: cost,
            } => {
                positive(quantity)?;
                if cost.is_some_and(|c| c.minor() < 0) {
                    return Err(InventoryError::Validation(vec![FieldError::new(
                        "unit_cost",
                        "must not be negative",
                    )]));
                }
                unit_cost = cost;
                (
                    MovementKind::Receipt,
                    vec![single(location_id, StockChange::Add(quantity))],
                )
            }
            MovementAction::WriteOff {
                location_id,
                quantity,
                reason: why,
            } => {
                positive(quantity)?;
                reason = optional_text("reason", Some(why))?;
                if reason.is_none() {
                    return Err(InventoryError::Validation(vec![FieldError::new(
                        "reason",
                        "is required for a write-off",
                    )]));
                }
                (
                    MovementKind::WriteOff,
                    vec![single(location_id, StockChange::Remove(quantity))],
                )
            }
            MovementAction::Transfer { from, to, quantity } => {
                positive(quantity)?;
                if from == to {
                    return Err(InventoryError::Validation(vec![FieldError::new(
                        "to_location_id",
                        "must differ from location_id",
                    )]));
                }
                (
                    MovementKind::Transfer,
                    vec![
                        MovementLine {
                            location_id: from,
                            change: StockChange::Remove(quantity),
                            counterpart_location_id: Some(to),
                        },
                        MovementLine {
                            location_id: to,
                            change: StockChange::Add(quantity),
                            counterpart_location_id: Some(from),
                        },
                    ],
                )
            }
            MovementAction::Sale {
                location_id,
                quantity,
            } => {
                positive(quantity)?;
                (
                    MovementKind::Sale,
                    vec![single(location_id, StockChange::Remove(quantity))],
                )
            }
            MovementAction::Return {
                location_id,
                quantity,
            } => {
                positive(quantity)?;
                (
                    MovementKind::Return,
                    vec![single(location_id, StockChange::Add(quantity))],
                )
            }
            MovementAction::Adjustment {
                location_id,
                counted,
            } => {
                if counted.thousandths() < 0 {
                    return Err(InventoryError::Validation(vec![FieldError::new(
                        "quantity",
                        "a counted quantity must not be negative",
                    )]));
                }
                (
                    MovementKind::Adjustment,
                    vec![single(location_id, StockChange::SetTo(counted))],
                )
            }
        };
        let product = self.product(command.product_id)?;
        product.check_stockable()?;
        for line in &lines {
            self.active_location(line.location_id)?;
        }
        if kind == MovementKind::Receipt && unit_cost.is_none() {
            unit_cost = product.definition.cost_price;
        }
        let plan = MovementPlan {
            product_id: command.product_id,
            kind,
            lines,
            unit_cost,
            reason,
            operation_id: None,
            employee_id: command.employee_id,
            actor,
            comment,
            at: self.clock.now(),
        };
        self.ledger.record(&plan).map_err(|refusal| match refusal {
            LedgerRefusal::InsufficientStock {
                location_id,
                available,
            } => InventoryError::InsufficientStock {
                product_id: command.product_id,
                location_id,
                available,
            },
            LedgerRefusal::Storage(e) => e.into(),
        })
    }

    /// A page of movements, newest first. A named product or location must exist.
    pub fn movements(
        &self,
        filter: &MovementFilter,
        page: PageRequest,
    ) -> Result<Page<Movement>, InventoryError> {
        if let (Some(from), Some(to)) = (filter.from, filter.to) {
            if from > to {
                return Err(InventoryError::Validation(vec![FieldError::new(
                    "to",
                    "must not be before from",
                )]));
            }
        }
        Ok(self.ledger.movements(filter, page)?)
    }

    /// Whether stock may go below zero (a system setting, off by default).
    pub fn negative_stock_allowed(&self) -> Result<bool, InventoryError> {
        Ok(self.ledger.negative_stock_allowed()?)
    }

    /// Allows or forbids negative stock; the change is audited with the system settings.
    pub fn set_negative_stock_allowed(
        &self,
        allowed: bool,
        actor: Actor,
    ) -> Result<bool, InventoryError> {
        Ok(self
            .ledger
            .set_negative_stock_allowed(allowed, actor, self.clock.now())?)
    }

    /// Stock levels at or below their product's low-stock threshold.
    pub fn low_stock(&self, page: PageRequest) -> Result<Page<LowStock>, InventoryError> {
        Ok(self.ledger.low_stock(page)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LocationKind, ProductKind};
    use crate::ports::{MockLocationRepository, MockProductRepository, MockStockLedger};
    use crm_core::{EmployeeId, FixedClock, Money, RepoError, Timestamp};

    const NOW: i64 = 1_790_000_000;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(seconds).expect("valid time")
    }

    type Service =
        Inventory<MockProductRepository, MockLocationRepository, MockStockLedger, FixedClock>;

    fn service(
        products: MockProductRepository,
        locations: MockLocationRepository,
        ledger: MockStockLedger,
    ) -> Service {
        Inventory::new(products, locations, ledger, FixedClock::new(at(NOW)))
    }

    fn card(kind: ProductKind) -> ProductDefinition {
        ProductDefinition {
            kind,
            name: " Beans ".into(),
            category: Some(" ".into()),
            description: None,
            price: Money::from_minor(500_00),
            cost_price: Some(Money::from_minor(200_00)),
            unit: "kg".into(),
            sku: Some("B-1".into()),
            barcode: None,
            duration_minutes: None,
            photo_url: None,
            low_stock_threshold: None,
        }
    }

    fn product(id: i64, kind: ProductKind, archived: bool) -> Product {
        Product {
            id: ProductId(id),
            definition: card(kind).trimmed(),
            archived_at: archived.then(|| at(1)),
            created_at: at(1),
            updated_at: at(1),
        }
    }

    fn products_with(p: Product) -> MockProductRepository {
        let mut products = MockProductRepository::new();
        products
            .expect_get()
            .returning(move |id| Ok((id == p.id).then(|| p.clone())));
        products
    }

    fn locations_active() -> MockLocationRepository {
        let mut locations = MockLocationRepository::new();
        locations.expect_get().returning(|id| {
            Ok((id.get() <= 3).then(|| Location {
                id,
                definition: LocationDefinition {
                    kind: LocationKind::Warehouse,
                    name: "Main".into(),
                    address: None,
                    active: id.get() != 3,
                },
                created_at: at(1),
            }))
        });
        locations
    }

    fn command(action: MovementAction) -> MovementCommand {
        MovementCommand {
            product_id: ProductId(1),
            action,
            employee_id: Some(EmployeeId(7)),
            comment: None,
        }
    }

    #[test]
    fn a_card_is_stored_trimmed_and_a_taken_sku_is_a_duplicate() {
        let mut products = MockProductRepository::new();
        products
            .expect_insert()
            .withf(|d, when| d.name == "Beans" && d.category.is_none() && *when == at(NOW))
            .times(1)
            .returning(|d, _| {
                Ok(Product {
                    id: ProductId(1),
                    definition: d.clone(),
                    archived_at: None,
                    created_at: at(NOW),
                    updated_at: at(NOW),
                })
            });
        let inventory = service(
            products,
            MockLocationRepository::new(),
            MockStockLedger::new(),
        );
        assert_eq!(
            inventory
                .create_product(card(ProductKind::Product))
                .map(|p| p.id),
            Ok(ProductId(1))
        );

        let mut products = MockProductRepository::new();
        products.expect_insert().returning(|_, _| {
            Err(RepoError::Conflict {
                field: Some("sku".into()),
                message: "sku is already in use".into(),
            })
        });
        let inventory = service(
            products,
            MockLocationRepository::new(),
            MockStockLedger::new(),
        );
        assert_eq!(
            inventory.create_product(card(ProductKind::Product)),
            Err(InventoryError::Duplicate {
                field: "sku".into()
            })
        );
    }

    #[test]
    fn an_invalid_card_writes_nothing() {
        let inventory = service(
            MockProductRepository::new(),
            MockLocationRepository::new(),
            MockStockLedger::new(),
        );
        let mut bad = card(ProductKind::Product);
        bad.price = Money::from_minor(-1);
        assert!(matches!(
            inventory.create_product(bad),
            Err(InventoryError::Validation(e)) if e[0].field == "price"
        ));
    }

    #[test]
    fn bad_quantities_and_same_location_transfers_are_refused_before_storage() {
        let inventory = service(
            MockProductRepository::new(),
            MockLocationRepository::new(),
            MockStockLedger::new(),
        );
        for action in [
            MovementAction::Receipt {
                location_id: LocationId(1),
                quantity: Quantity::ZERO,
                unit_cost: None,
            },
            MovementAction::Sale {
                location_id: LocationId(1),
                quantity: Quantity::units(-1),
            },
            MovementAction::Transfer {
                from: LocationId(1),
                to: LocationId(1),
                quantity: Quantity::units(1),
            },
            MovementAction::WriteOff {
                location_id: LocationId(1),
                quantity: Quantity::units(1),
                reason: "  ".into(),
            },
            MovementAction::Adjustment {
                location_id: LocationId(1),
                counted: Quantity::units(-1),
            },
        ] {
            assert!(matches!(
                inventory.record_movement(command(action), Actor::System),
                Err(InventoryError::Validation(_))
            ));
        }
    }

    #[test]
    fn services_archived_cards_and_unknown_locations_do_not_move() {
        let receipt = |location| {
            command(MovementAction::Receipt {
                location_id: LocationId(location),
                quantity: Quantity::units(1),
                unit_cost: None,
            })
        };
        let inventory = service(
            products_with(product(1, ProductKind::Service, false)),
            locations_active(),
            MockStockLedger::new(),
        );
        assert_eq!(
            inventory.record_movement(receipt(1), Actor::System),
            Err(InventoryError::NotStockable(ProductId(1)))
        );
        assert_eq!(
            inventory.stock(ProductId(1)).map(|_| ()),
            Err(InventoryError::NotStockable(ProductId(1)))
        );
        let inventory = service(
            products_with(product(1, ProductKind::Product, true)),
            locations_active(),
            MockStockLedger::new(),
        );
        assert_eq!(
            inventory.record_movement(receipt(1), Actor::System),
            Err(InventoryError::ProductArchived(ProductId(1)))
        );
        let inventory = service(
            products_with(product(1, ProductKind::Product, false)),
            locations_active(),
            MockStockLedger::new(),
        );
        assert_eq!(
            inventory.record_movement(receipt(9), Actor::System),
            Err(InventoryError::LocationNotFound(LocationId(9)))
        );
        assert_eq!(
            inventory.record_movement(receipt(3), Actor::System),
            Err(InventoryError::LocationInactive(LocationId(3)))
        );
        let mut unknown = receipt(1);
        unknown.product_id = ProductId(2);
        assert_eq!(
            inventory.record_movement(unknown, Actor::System),
            Err(InventoryError::NotFound)
        );
    }

    #[test]
    fn a_transfer_is_one_plan_with_both_sides_and_shortage_is_reported() {
        let mut ledger = MockStockLedger::new();
        ledger
            .expect_record()
            .withf(|plan| {
                plan.kind == MovementKind::Transfer
                    && plan.lines
                        == vec![
                            MovementLine {
                                location_id: LocationId(1),
                                change: StockChange::Remove(Quantity::units(2)),
                                counterpart_location_id: Some(LocationId(2)),
                            },
                            MovementLine {
                                location_id: LocationId(2),
                                change: StockChange::Add(Quantity::units(2)),
                                counterpart_location_id: Some(LocationId(1)),
                            },
                        ]
                    && plan.at == at(NOW)
                    && plan.employee_id == Some(EmployeeId(7))
            })
            .times(1)
            .returning(|_| {
                Err(LedgerRefusal::InsufficientStock {
                    location_id: LocationId(1),
                    available: Quantity::units(1),
                })
            });
        let inventory = service(
            products_with(product(1, ProductKind::Product, false)),
            locations_active(),
            ledger,
        );
        assert_eq!(
            inventory.record_movement(
                command(MovementAction::Transfer {
                    from: LocationId(1),
                    to: LocationId(2),
                    quantity: Quantity::units(2),
                }),
                Actor::System,
            ),
            Err(InventoryError::InsufficientStock {
                product_id: ProductId(1),
                location_id: LocationId(1),
                available: Quantity::units(1),
            })
        );
    }

    #[test]
    fn a_receipt_without_a_cost_takes_the_cost_price() {
        let mut ledger = MockStockLedger::new();
        ledger
            .expect_record()
            .withf(|plan| {
                plan.kind == MovementKind::Receipt
                    && plan.unit_cost == Some(Money::from_minor(200_00))
            })
            .times(1)
            .returning(|_| Ok(Vec::new()));
        let inventory = service(
            products_with(product(1, ProductKind::Product, false)),
            locations_active(),
            ledger,
        );
        assert_eq!(
            inventory.record_movement(
                command(MovementAction::Receipt {
                    location_id: LocationId(1),
                    quantity: Quantity::from_thousandths(1_500),
                    unit_cost: None,
                }),
                Actor::System,
            ),
            Ok(Vec::new())
        );
    }

    #[test]
    fn an_update_changes_named_fields_and_is_validated() {
        let mut products = products_with(product(1, ProductKind::Product, false));
        products
            .expect_update()
            .withf(|id, d, when| {
                *id == ProductId(1)
                    && d.price == Money::from_minor(600_00)
                    && d.sku.is_none()
                    && d.name == "Beans"
                    && *when == at(NOW)
            })
            .times(1)
            .returning(|id, d, _| {
                Ok(Some(Product {
                    id,
                    definition: d.clone(),
                    archived_at: None,
                    created_at: at(1),
                    updated_at: at(NOW),
                }))
            });
        products.expect_archive().returning(|_, _| Ok(None));
        let inventory = service(
            products,
            MockLocationRepository::new(),
            MockStockLedger::new(),
        );
        let updated = inventory
            .update_product(
                ProductId(1),
                ProductUpdate {
                    price: Some(Money::from_minor(600_00)),
                    sku: crate::model::Patch::Clear,
                    ..Default::default()
                },
            )
            .expect("updated");
        assert_eq!(updated.definition.unit, "kg");
        // A product cannot take a duration; a service cannot keep a threshold.
        let err = inventory
            .update_product(
                ProductId(1),
                ProductUpdate {
                    duration_minutes: crate::model::Patch::Set(30),
                    ..Default::default()
                },
            )
            .expect_err("invalid");
        assert!(matches!(err, InventoryError::Validation(e) if e[0].field == "duration_minutes"));
        assert_eq!(
            inventory.update_product(ProductId(2), ProductUpdate::default()),
            Err(InventoryError::NotFound)
        );
        assert_eq!(
            inventory.archive_product(ProductId(9)),
            Err(InventoryError::NotFound)
        );
    }

    #[test]
    fn locations_are_trimmed_and_checked() {
        let mut locations = MockLocationRepository::new();
        locations
            .expect_insert()
            .withf(|d, _| d.name == "Shop" && d.address.is_none())
            .times(1)
            .returning(|d, at| {
                Ok(Location {
                    id: LocationId(1),
                    definition: d.clone(),
                    created_at: at,
                })
            });
        let inventory = service(
            MockProductRepository::new(),
            locations,
            MockStockLedger::new(),
        );
        let definition = |name: &str| LocationDefinition {
            kind: LocationKind::PointOfSale,
            name: name.into(),
            address: Some("  ".into()),
            active: true,
        };
        assert!(inventory.create_location(definition(" Shop ")).is_ok());
        assert!(matches!(
            inventory.create_location(definition(&"x".repeat(201))),
            Err(InventoryError::Validation(_))
        ));
    }

    #[test]
    fn a_movement_list_needs_a_sane_period() {
        let mut ledger = MockStockLedger::new();
        ledger.expect_movements().returning(|_, page| {
            Ok(Page {
                items: Vec::new(),
                total: 0,
                limit: page.limit(),
                offset: page.offset(),
            })
        });
        let inventory = service(
            MockProductRepository::new(),
            MockLocationRepository::new(),
            ledger,
        );
        let backwards = MovementFilter {
            from: Some(at(10)),
            to: Some(at(5)),
            ..Default::default()
        };
        assert!(matches!(
            inventory.movements(&backwards, PageRequest::default()),
            Err(InventoryError::Validation(_))
        ));
        assert!(inventory
            .movements(&MovementFilter::default(), PageRequest::default())
            .is_ok());
    }
}
