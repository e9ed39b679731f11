import Foundation

extension CommerceML {
    /// A settlement entry the ERP keeps for a counterparty (JSON `settlement`): a shipment or a
    /// return adds to the debt (a positive amount), a payment reduces it (a negative one).
    public struct SettlementEntry: Sendable, Equatable {
        public var id: String
        public var counterpartyID: String?
        public var date: String?
        public var dueDate: String?
        /// A canonical decimal (`"-1200.50"`), signed.
        public var amount: String?
        public var currency: String?
        public var description: String?
        /// The agreement's ERP id.
        public var agreementID: String?
        /// The order's ERP id or number.
        public var order: String?
        /// The ERP id of the document the entry books (a waybill, a payment order).
        public var documentID: String?
        public var isDeleted = false
        public var line: Int

        public init(id: String, line: Int) {
            self.id = id
            self.line = line
        }
    }

    /// A document the ERP made and sends as a file (JSON `document`): a bill, a waybill, a VAT
    /// invoice, a UPD, an act of work, a reconciliation act, an agreement or its addendum.
    public struct AccountingDocument: Sendable, Equatable {
        public var id: String
        /// `bill`, `invoice`, `waybill`, `upd`, `act`, `reconciliation`, `other` (Russian names too).
        public var kind: String?
        public var number: String?
        public var date: String?
        public var counterpartyID: String?
        /// The seller organization's ERP id (else the order's seller).
        public var sellerID: String?
        /// The order's ERP id or number.
        public var order: String?
        /// The shipment's ERP id or number.
        public var shipment: String?
        public var amount: String?
        public var currency: String?
        /// The file's path inside the import (`docs/waybill-55.pdf`), sent in the same job.
        public var file: String?
        public var isDeleted = false
        public var line: Int

        public init(id: String, line: Int) {
            self.id = id
            self.line = line
        }

        /// The portal's kind for an ERP's name of it; nil when unknown.
        public static func portalKind(_ raw: String) -> String? {
            let name = raw.lowercased().replacingOccurrences(of: "ё", with: "е").trimmingCharacters(in: .whitespaces)
            switch name {
            case "bill", "счет", "счет на оплату": return "bill"
            case "invoice", "vat_invoice", "счет-фактура", "счет фактура": return "invoice"
            case "waybill", "накладная", "товарная накладная", "торг-12", "торг12": return "waybill"
            case "upd", "упд", "универсальный передаточный документ": return "upd"
            case "act", "акт", "акт выполненных работ", "акт оказанных услуг": return "act"
            case "reconciliation", "акт сверки", "акт сверки взаиморасчетов": return "reconciliation"
            case "agreement", "addendum", "other", "договор", "дополнительное соглашение", "документ": return "other"
            default: return nil
            }
        }
    }
}

extension CommerceML {
    /// An agreement (договор) with a counterparty (JSON `agreement`): its seller, number and date,
    /// price type, credit limit and payment term. Credit lines and payment schedules name it.
    public struct AgreementRecord: Sendable, Equatable {
        public var id: String
        public var counterpartyID: String?
        /// The seller organization's ERP id or INN (else the portal's only or first seller).
        public var sellerID: String?
        public var number: String?
        public var date: String?
        public var currency: String?
        /// The price type's ERP id.
        public var priceTypeID: String?
        /// A canonical decimal.
        public var creditLimit: String?
        public var paymentTermDays: String?
        public var isDefault: Bool?
        public var isActive: Bool?
        public var isDeleted = false
        public var line: Int

        public init(id: String, line: Int) {
            self.id = id
            self.line = line
        }
    }

    /// A credit line (JSON `creditLine`): a limit a counterparty may owe, usually under an
    /// agreement, with what is used of it, the deferment per shipment and its period.
    public struct CreditLineRecord: Sendable, Equatable {
        public var id: String
        public var counterpartyID: String?
        public var agreementID: String?
        public var name: String?
        /// Canonical decimals.
        public var limit: String?
        public var used: String?
        public var currency: String?
        public var termDays: String?
        /// Percent a year, a canonical decimal.
        public var rate: String?
        public var openedOn: String?
        public var expiresOn: String?
        /// `open`, `suspended` or `closed` (Russian names too).
        public var status: String?
        public var isDeleted = false
        public var line: Int

        public init(id: String, line: Int) {
            self.id = id
            self.line = line
        }

        /// The portal's status for an ERP's word; nil when unknown.
        public static func portalStatus(_ raw: String) -> String? {
            switch raw.lowercased().replacingOccurrences(of: "ё", with: "е").trimmingCharacters(in: .whitespaces) {
            case "open", "active", "открыта", "открыт", "действует", "активна": "open"
            case "suspended", "frozen", "blocked", "приостановлена", "заморожена", "заблокирована": "suspended"
            case "closed", "закрыта", "закрыт": "closed"
            default: nil
            }
        }
    }

    /// A payment schedule of a credit agreement (JSON `paymentSchedule`), sent whole: its
    /// instalments replace the stored ones.
    public struct PaymentScheduleRecord: Sendable, Equatable {
        public struct Payment: Sendable, Equatable {
            public var dueDate: String?
            /// Canonical decimals.
            public var amount: String?
            public var paid: String?
            public var paidOn: String?

            public init(dueDate: String? = nil, amount: String? = nil, paid: String? = nil, paidOn: String? = nil) {
                self.dueDate = dueDate
                self.amount = amount
                self.paid = paid
                self.paidOn = paidOn
            }
        }

        public var id: String
        public var counterpartyID: String?
        public var agreementID: String?
        public var creditLineID: String?
        public var number: String?
        public var date: String?
        public var currency: String?
        public var description: String?
        public var payments: [Payment] = []
        public var isDeleted = false
        public var line: Int

        public init(id: String, line: Int) {
            self.id = id
            self.line = line
        }
    }
}
