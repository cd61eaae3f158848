"""The sample shop's fixed design: category tree, brands and complementary chains.

Pure data, no randomness: `shop_catalog.py` turns it into items and `shop_behaviour.py`
into shoppers. Every leaf names the noun used in product titles and a plausible price
range in euros, so prices stay consistent with the category (a tent never costs 5.99).
"""

from __future__ import annotations

from typing import NamedTuple


class Leaf(NamedTuple):
    """A third-level category and how its products are named and priced."""

    name: str
    noun: str  # last words of every title in this leaf, e.g. "Mirrorless Camera"
    low: float  # cheapest plausible price
    high: float  # dearest plausible price


class ChainSpec(NamedTuple):
    """A complementary chain: trigger → second item → third item, each by leaf path.

    `titles` overrides the generated titles (book series need real-looking names) and
    then also asks for all three items from one brand (one publisher for a series).
    """

    name: str
    leaves: tuple[str, str, str]
    titles: tuple[str, str, str] | None = None


TAXONOMY: dict[str, dict[str, list[Leaf]]] = {
    "Electronics": {
        "Cameras & Photo": [
            Leaf("Mirrorless Cameras", "Mirrorless Camera", 449, 2399),
            Leaf("Memory Cards", "Memory Card", 9, 89),
            Leaf("Tripods", "Tripod", 24, 239),
            Leaf("Camera Bags", "Camera Bag", 29, 149),
        ],
        "Computers": [
            Leaf("Laptops", "Laptop", 399, 2599),
            Leaf("Laptop Sleeves", "Laptop Sleeve", 14, 59),
            Leaf("Computer Mice", "Wireless Mouse", 12, 109),
            Leaf("Monitors", "Monitor", 119, 899),
        ],
        "Gaming": [
            Leaf("Game Consoles", "Game Console", 249, 599),
            Leaf("Controllers", "Wireless Controller", 29, 79),
            Leaf("Gaming Headsets", "Gaming Headset", 24, 249),
        ],
        "Audio": [
            Leaf("Headphones", "Wireless Headphones", 39, 449),
            Leaf("Bluetooth Speakers", "Bluetooth Speaker", 24, 299),
        ],
    },
    "Home & Kitchen": {
        "Coffee & Tea": [
            Leaf("Espresso Machines", "Espresso Machine", 149, 1299),
            Leaf("Milk Frothers", "Milk Frother", 19, 129),
            Leaf("Coffee Beans", "Coffee Beans", 8, 34),
            Leaf("Electric Kettles", "Electric Kettle", 24, 129),
        ],
        "Cookware & Cutlery": [
            Leaf("Chef's Knives", "Chef's Knife", 29, 249),
            Leaf("Cutting Boards", "Cutting Board", 15, 89),
            Leaf("Knife Sharpeners", "Knife Sharpener", 12, 99),
            Leaf("Dutch Ovens", "Dutch Oven", 39, 349),
        ],
        "Bakeware": [
            Leaf("Proofing Baskets", "Proofing Basket", 12, 39),
            Leaf("Baking Sheets", "Baking Sheet", 9, 39),
            Leaf("Stand Mixers", "Stand Mixer", 149, 699),
        ],
        "Bedding": [
            Leaf("Mattresses", "Memory Foam Mattress", 299, 1499),
            Leaf("Mattress Protectors", "Mattress Protector", 25, 99),
            Leaf("Pillows", "Pillow", 19, 129),
        ],
    },
    "Outdoor": {
        "Camping": [
            Leaf("Tents", "Tent", 89, 699),
            Leaf("Sleeping Bags", "Sleeping Bag", 39, 349),
            Leaf("Camping Stoves", "Camping Stove", 29, 179),
            Leaf("Headlamps", "Headlamp", 14, 89),
        ],
        "Hiking": [
            Leaf("Hiking Boots", "Hiking Boots", 79, 279),
            Leaf("Hiking Socks", "Merino Hiking Socks", 12, 34),
            Leaf("Trekking Poles", "Trekking Poles", 29, 179),
            Leaf("Daypacks", "Daypack", 39, 189),
        ],
        "Water Sports": [
            Leaf("Kayaks", "Kayak", 299, 1499),
            Leaf("Kayak Paddles", "Kayak Paddle", 39, 249),
            Leaf("Life Jackets", "Life Jacket", 39, 159),
        ],
    },
    "Beauty": {
        "Hair Care": [
            Leaf("Hair Dryers", "Hair Dryer", 29, 399),
            Leaf("Heat Protectant Sprays", "Heat Protectant Spray", 8, 34),
            Leaf("Hair Brushes", "Round Brush", 9, 49),
            Leaf("Shampoos", "Shampoo", 6, 39),
        ],
        "Skincare": [
            Leaf("Cleansers", "Facial Cleanser", 8, 45),
            Leaf("Serums", "Face Serum", 14, 89),
            Leaf("Moisturizers", "Moisturizer", 12, 79),
            Leaf("Sunscreens", "Sunscreen SPF 50", 9, 39),
        ],
        "Shaving & Grooming": [
            Leaf("Electric Shavers", "Electric Shaver", 49, 349),
            Leaf("Shaver Cartridges", "Cleaning Cartridge", 9, 39),
            Leaf("Aftershave", "Aftershave Balm", 9, 49),
        ],
    },
    "Sports": {
        "Cycling": [
            Leaf("Road Bikes", "Road Bike", 699, 3499),
            Leaf("Bike Helmets", "Bike Helmet", 39, 249),
            Leaf("Bike Lights", "Bike Light Set", 19, 99),
        ],
        "Yoga & Fitness": [
            Leaf("Yoga Mats", "Yoga Mat", 19, 129),
            Leaf("Yoga Blocks", "Yoga Block Set", 9, 39),
            Leaf("Yoga Straps", "Yoga Strap", 7, 24),
            Leaf("Dumbbells", "Adjustable Dumbbells", 49, 399),
        ],
        "Running": [
            Leaf("Running Shoes", "Running Shoes", 69, 219),
            Leaf("Running Socks", "Running Socks", 9, 29),
            Leaf("Running Watches", "GPS Running Watch", 99, 599),
        ],
    },
    "Books": {
        "Fiction": [
            Leaf("Fantasy", "Fantasy Novel", 9, 29),
            Leaf("Mystery & Thriller", "Mystery Novel", 9, 27),
            Leaf("Science Fiction", "Science Fiction Novel", 9, 28),
            Leaf("Literary Fiction", "Novel", 10, 30),
        ],
        "Nonfiction": [
            Leaf("Biographies", "Biography", 12, 35),
            Leaf("History", "History Book", 12, 40),
            Leaf("Popular Science", "Popular Science Book", 12, 38),
        ],
        "Cooking": [
            Leaf("Baking Cookbooks", "Baking Cookbook", 15, 45),
            Leaf("Vegetarian Cookbooks", "Vegetarian Cookbook", 15, 40),
            Leaf("Weeknight Cookbooks", "Weeknight Cookbook", 12, 35),
        ],
    },
    "Toys": {
        "Trains & Vehicles": [
            Leaf("Wooden Train Sets", "Wooden Train Set", 29, 149),
            Leaf("Track Expansions", "Track Expansion Pack", 12, 49),
            Leaf("Bridges & Tunnels", "Bridge & Tunnel Set", 14, 59),
        ],
        "Remote Control": [
            Leaf("RC Cars", "RC Car", 29, 249),
            Leaf("RC Batteries", "RC Battery Pack", 12, 49),
            Leaf("RC Chargers", "RC Battery Charger", 14, 69),
        ],
        "Games & Puzzles": [
            Leaf("Board Games", "Strategy Board Game", 19, 79),
            Leaf("Game Expansions", "Board Game Expansion", 12, 49),
            Leaf("Card Sleeves", "Card Sleeves", 4, 14),
            Leaf("Jigsaw Puzzles", "Jigsaw Puzzle", 9, 39),
        ],
        "Creative Play": [
            Leaf("Building Sets", "Building Set", 14, 199),
            Leaf("Craft Kits", "Craft Kit", 9, 49),
            Leaf("Plush Toys", "Plush Toy", 9, 39),
        ],
    },
}

# Eight invented brands per top-level category (publishers for Books).
BRANDS: dict[str, list[str]] = {
    "Electronics": [
        "Lumora", "Voltix", "Kestrel Labs", "Nexora", "Aurix", "Quantix", "Sonara", "Pixelon",
    ],
    "Home & Kitchen": [
        "Kettlewise", "Copperleaf", "Hearthstone", "Brewmaster", "Oakhaven", "Casamia",
        "Blade & Birch", "Linenfold",
    ],
    "Outdoor": [
        "Ridgeline", "Northpeak", "Trailcraft", "Alpenglow", "Pinecrest", "Riverbend",
        "Summitworks", "Wildhaven",
    ],
    "Beauty": [
        "Velvetine", "Lumiskin", "Aurelle", "Silkroot", "Botanica Lane", "Glowform",
        "Maison Rose", "Purebloom",
    ],
    "Sports": [
        "Stridewell", "Apexfit", "Velocita", "Corestrong", "Zenflow", "Pacemark", "Trackline",
        "Ironpeak",
    ],
    "Books": [
        "Harbor Lane Press", "Quillstone Books", "Bluefern Publishing", "Lantern House",
        "Redwood & Ink", "Meridian Press", "Paperkite", "Starling Books",
    ],
    "Toys": [
        "Tinkertown", "Brickwise", "Playnest", "Wondertoy", "Jollybean", "Kiddo Works",
        "Puzzlewood", "Zoomkin",
    ],
}  # fmt: skip

# Words for generated model names ("Lumora Nova 3 Tripod") and book titles.
MODEL_WORDS = (
    "Pro", "Air", "Max", "Lite", "Classic", "Trail", "Edge", "Nova", "Flex", "Prime",
    "One", "Go", "Ultra", "Core", "Studio", "Sport", "Compact", "Plus", "Aero", "Pure",
)  # fmt: skip
MODEL_LETTERS = "XSMAZRTV"
BOOK_ADJECTIVES = (
    "Silent", "Hidden", "Last", "Golden", "Broken", "Distant", "Secret", "Winter",
    "Forgotten", "Burning", "Quiet", "Crimson", "Endless", "Salt", "Paper", "Iron",
)  # fmt: skip
BOOK_NOUNS = (
    "Orchard", "Harbor", "Kingdom", "River", "Garden", "Lantern", "Compass", "Island",
    "Library", "Mountain", "Season", "Bridge", "Machine", "Kitchen", "Atlas", "Voyage",
)  # fmt: skip

_CAM, _PC, _GAME = (
    "Electronics > Cameras & Photo",
    "Electronics > Computers",
    "Electronics > Gaming",
)
_COFFEE, _COOK = "Home & Kitchen > Coffee & Tea", "Home & Kitchen > Cookware & Cutlery"
_BED, _BAKE = "Home & Kitchen > Bedding", "Home & Kitchen > Bakeware"
_CAMP, _HIKE, _WATER = "Outdoor > Camping", "Outdoor > Hiking", "Outdoor > Water Sports"
_HAIR, _SKIN, _SHAVE = "Beauty > Hair Care", "Beauty > Skincare", "Beauty > Shaving & Grooming"
_BIKE, _YOGA, _RUN = "Sports > Cycling", "Sports > Yoga & Fitness", "Sports > Running"
_TRAIN, _RC, _GAMES = "Toys > Trains & Vehicles", "Toys > Remote Control", "Toys > Games & Puzzles"

# Three chains per top-level category; the cookbook chain crosses into Home & Kitchen.
CHAINS: list[ChainSpec] = [
    ChainSpec("camera kit", (f"{_CAM} > Mirrorless Cameras", f"{_CAM} > Memory Cards", f"{_CAM} > Tripods")),
    ChainSpec("laptop setup", (f"{_PC} > Laptops", f"{_PC} > Laptop Sleeves", f"{_PC} > Computer Mice")),
    ChainSpec("console bundle", (f"{_GAME} > Game Consoles", f"{_GAME} > Controllers", f"{_GAME} > Gaming Headsets")),
    ChainSpec("espresso corner", (f"{_COFFEE} > Espresso Machines", f"{_COFFEE} > Milk Frothers", f"{_COFFEE} > Coffee Beans")),
    ChainSpec("knife care", (f"{_COOK} > Chef's Knives", f"{_COOK} > Cutting Boards", f"{_COOK} > Knife Sharpeners")),
    ChainSpec("new bed", (f"{_BED} > Mattresses", f"{_BED} > Mattress Protectors", f"{_BED} > Pillows")),
    ChainSpec("camping trip", (f"{_CAMP} > Tents", f"{_CAMP} > Sleeping Bags", f"{_CAMP} > Camping Stoves")),
    ChainSpec("hiking gear", (f"{_HIKE} > Hiking Boots", f"{_HIKE} > Hiking Socks", f"{_HIKE} > Trekking Poles")),
    ChainSpec("kayak outfit", (f"{_WATER} > Kayaks", f"{_WATER} > Kayak Paddles", f"{_WATER} > Life Jackets")),
    ChainSpec("hair styling", (f"{_HAIR} > Hair Dryers", f"{_HAIR} > Heat Protectant Sprays", f"{_HAIR} > Hair Brushes")),
    ChainSpec("skincare routine", (f"{_SKIN} > Cleansers", f"{_SKIN} > Serums", f"{_SKIN} > Moisturizers")),
    ChainSpec("shaver upkeep", (f"{_SHAVE} > Electric Shavers", f"{_SHAVE} > Shaver Cartridges", f"{_SHAVE} > Aftershave")),
    ChainSpec("road cycling", (f"{_BIKE} > Road Bikes", f"{_BIKE} > Bike Helmets", f"{_BIKE} > Bike Lights")),
    ChainSpec("yoga starter", (f"{_YOGA} > Yoga Mats", f"{_YOGA} > Yoga Blocks", f"{_YOGA} > Yoga Straps")),
    ChainSpec("running kit", (f"{_RUN} > Running Shoes", f"{_RUN} > Running Socks", f"{_RUN} > Running Watches")),
    ChainSpec(
        "ember saga",
        ("Books > Fiction > Fantasy",) * 3,
        (
            "The Ember Crown: Book 1 of the Ember Saga",
            "The Ember Throne: Book 2 of the Ember Saga",
            "The Ember Reckoning: Book 3 of the Ember Saga",
        ),
    ),
    ChainSpec(
        "harbor lights mysteries",
        ("Books > Fiction > Mystery & Thriller",) * 3,
        (
            "Murder at Harbor Lights: A Harbor Lights Mystery #1",
            "Death on the Pier: A Harbor Lights Mystery #2",
            "The Lighthouse Keeper's Secret: A Harbor Lights Mystery #3",
        ),
    ),
    ChainSpec(
        "sourdough baking",
        ("Books > Cooking > Baking Cookbooks", f"{_COOK} > Dutch Ovens", f"{_BAKE} > Proofing Baskets"),
    ),
    ChainSpec("wooden railway", (f"{_TRAIN} > Wooden Train Sets", f"{_TRAIN} > Track Expansions", f"{_TRAIN} > Bridges & Tunnels")),
    ChainSpec("rc racing", (f"{_RC} > RC Cars", f"{_RC} > RC Batteries", f"{_RC} > RC Chargers")),
    ChainSpec("game night", (f"{_GAMES} > Board Games", f"{_GAMES} > Game Expansions", f"{_GAMES} > Card Sleeves")),
]  # fmt: skip
