package store;
import java.util.Map;
public class NullBad2 {
    public int quantity(Map<String, Integer> stock, String sku) {
        Integer n = stock.get(sku);
        return n.intValue() * 2;
    }
}
